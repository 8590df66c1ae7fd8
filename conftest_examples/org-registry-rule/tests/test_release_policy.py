import re

import pytest

SEMVER_TAG = re.compile(r":v?\d+\.\d+\.\d+$")


@pytest.mark.factor05
@pytest.mark.twelvefactor(item="factor05.semver-tags", title="App images carry a semantic-version tag")
def test_app_images_have_semver_tags(twelvefactor_workloads):
    untagged = [
        (workload.ref, image)
        for workload in twelvefactor_workloads
        if workload.is_app
        for image in workload.first.images()
        if not SEMVER_TAG.search(image)
    ]
    assert not untagged, f"images without a semantic-version tag: {untagged}"
