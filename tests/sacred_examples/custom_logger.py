"""An experiment with its own logger; captured functions log through ``_log``."""

import logging

from jupyter_sacred import Experiment

ex = Experiment("custom_logger", save_git_info=False)

log = logging.getLogger("workshop")
log.handlers = []
handler = logging.StreamHandler()
handler.setFormatter(logging.Formatter("<%(levelname).1s> %(name)s: %(message)s"))
log.addHandler(handler)
log.setLevel("INFO")
ex.logger = log


@ex.config
def settings():
    parts = 3
    has_glue = False


@ex.capture
def assemble(parts, has_glue, _log):
    if not has_glue:
        _log.warning("no glue: %d loose parts", parts)
        return 0
    _log.debug("gluing %d parts", parts)
    return parts


@ex.automain
def main(parts, _log):
    _log.info("assembling %d parts", parts)
    built = assemble()
    _log.info("built %d", built)
    return built
