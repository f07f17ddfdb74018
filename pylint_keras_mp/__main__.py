"""``python -m pylint_keras_mp``: the same as the ``keras-mp-lint`` command."""

from .isolation import trusted_imports

# ``python -m`` puts the working directory first on sys.path: the linter's own imports must not
# come from the linted repository (isolation.py)
with trusted_imports():
    from .cli import console_main

if __name__ == "__main__":
    console_main()
