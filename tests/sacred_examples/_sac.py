"""Extra host info: an environment variable and a gatherer of our own."""

import platform

from sacred import SETTINGS, Experiment, host_info_gatherer

SETTINGS.HOST_INFO.CAPTURED_ENV.append("EXAMPLE_MARK")


@host_info_gatherer("machine")
def machine():
    return platform.machine()


ex = Experiment("host_env", save_git_info=False, additional_host_info=[machine])


@ex.automain
def main():
    print("host recorded")
