import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Path of the run browser's REST API below the server's base URL. */
const API_PATH = 'jupyter-sacred/api';

/** A failed API request; `message` is the server's own message when it sent one. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

type Params = { [key: string]: string | number | undefined };

/**
 * Build the URL of an API endpoint; empty and undefined parameters are left out.
 */
export function apiUrl(path: string, params: Params = {}): string {
  const settings = ServerConnection.makeSettings();
  const query: { [key: string]: string } = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      query[key] = String(value);
    }
  }
  const search = URLExt.objectToQueryString(query);
  return URLExt.join(settings.baseUrl, API_PATH, path) + search;
}

async function send(path: string, params: Params): Promise<Response> {
  const settings = ServerConnection.makeSettings();
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      apiUrl(path, params),
      {},
      settings
    );
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      message = body.message || body.reason || message;
    } catch {
      // The body is not JSON; keep the status line.
    }
    throw new RequestError(message, response.status);
  }
  return response;
}

/** GET a JSON endpoint of the API, raising `RequestError` with the server's message. */
export async function requestAPI<T>(
  path: string,
  params: Params = {}
): Promise<T> {
  const response = await send(path, params);
  return (await response.json()) as T;
}

/** GET a binary endpoint of the API (an artifact) as a Blob. */
export async function requestBlob(
  path: string,
  params: Params = {}
): Promise<Blob> {
  const response = await send(path, params);
  return response.blob();
}
