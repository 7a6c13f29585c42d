"""Commands besides the main function, started by name from the command line."""

from jupyter_sacred import Experiment

ex = Experiment("commands", save_git_info=False)


@ex.config
def settings():
    """Greeting setup"""
    name = "world"  # whom to greet
    times = 1


@ex.named_config
def loud():
    """Shout three times"""
    times = 3


@ex.command
def greet(name, times):
    """Print a greeting."""
    for _ in range(times):
        print("hello", name)
    return times


@ex.command(unobserved=True)
def peek(name):
    print("would greet", name)


@ex.automain
def main(name, _run):
    _run.log_scalar("length", len(name))
    print("main for", name)
    return len(name)
