"""Makes the checkout importable as ansible_collections.homelab.ai_stack for pytest.

pyproject.toml puts .collections on sys.path; .collections is git-ignored (ansible-test
forbids a committed symlink to a directory), so the link is made here when missing, as
tests/collection_link.sh does. Under ansible-test units the checkout already sits in an
ansible_collections tree and nothing is done.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, ".collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "homelab", "ai_stack")

inside_collection_tree = os.sep + os.path.join("ansible_collections", "homelab", "ai_stack") + os.sep in ROOT + os.sep
if not inside_collection_tree and not (os.path.islink(LINK) and os.readlink(LINK) == "../../.."):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    if os.path.lexists(LINK):
        os.remove(LINK)
    os.symlink("../../..", LINK)
    # pytest put .collections on sys.path before it existed: forget the cached miss.
    sys.path_importer_cache.pop(COLLECTIONS, None)
