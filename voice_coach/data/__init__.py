"""Data files shipped with the package: the exercise catalog and the spoken command phrases."""
