"""policykg: a bilingual knowledge graph of Chinese government policy documents."""
from importlib.resources import files

__version__ = "0.1.0"


def data_path(package: str, *parts: str):
    """Path of a data file shipped inside a stage package (ontology/, queries/ …)."""
    return files(f"policykg.{package}").joinpath(*parts)
