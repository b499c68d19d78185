"""Template releases: the registry, where releases are found, and what a template checkout is.

- :mod:`~mlscaffold._releases.registry` parses ``templates/releases.yml``, the source of truth
  for which commit is which release;
- :mod:`~mlscaffold._releases.identify` names the version a checkout holds (what ``new``
  records as ``_commit``);
- :mod:`~mlscaffold._releases.sources` reads releases from a git repository or from the bundle
  a wheel carries, and resolves what a project records;
- :mod:`~mlscaffold._releases.bundle` writes that bundle when a wheel is built;
- :mod:`~mlscaffold._releases.locate` picks the source (``--template-repo``, the environment,
  then what this mlscaffold carries).
"""
