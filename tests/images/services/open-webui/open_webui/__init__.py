# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN: the module layout of Open WebUI v0.6.33 that a start hook can see (tests only)."""
