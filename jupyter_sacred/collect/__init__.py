"""Collectors of the facts a run records about itself: host info, experiment info, git state, content types."""

from __future__ import annotations

from jupyter_sacred.collect.content_type import guess_content_type
from jupyter_sacred.collect.dependencies import (
    PackageDependency,
    is_valid_version,
    make_package_dependency,
    validate_version,
)
from jupyter_sacred.collect.experiment_info import (
    collect_repositories,
    format_dependencies,
    gather_experiment_info,
    warm_up_caches,
)
from jupyter_sacred.collect.git import get_repository_info
from jupyter_sacred.collect.host import (
    DEFAULT_HOST_INFO_KEYS,
    HostInfoGetter,
    IgnoreHostInfo,
    check_additional_host_info,
    get_host_info,
    host_info_gatherer,
)
from jupyter_sacred.collect.sources import md5_of_bytes, md5_of_file

__all__ = [
    "DEFAULT_HOST_INFO_KEYS",
    "HostInfoGetter",
    "IgnoreHostInfo",
    "PackageDependency",
    "check_additional_host_info",
    "collect_repositories",
    "format_dependencies",
    "gather_experiment_info",
    "get_host_info",
    "get_repository_info",
    "guess_content_type",
    "host_info_gatherer",
    "is_valid_version",
    "make_package_dependency",
    "md5_of_bytes",
    "md5_of_file",
    "validate_version",
    "warm_up_caches",
]
