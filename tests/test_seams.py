"""Where a library reads a supplier's file, what the library raises on a damaged file is reported
as the file's fault; anything raised in our own code is a bug and reaches the internal-error exit
(issue 19, item 6): no seam catches more than its library's own failures."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from forgery import minimal_pdf

from compliance.core.errors import raised_by
from compliance.evidence import documents
from compliance.trust import signing, verification


def _ours() -> None:
    raise KeyError("a bug of ours")


def test_an_exception_is_the_librarys_when_its_type_or_its_innermost_frame_is_the_librarys() -> None:
    with pytest.raises(Exception) as caught:
        pypdf.PdfReader(io.BytesIO(b"%PDF-1.7\nnot a PDF at all"), strict=True)
    assert raised_by(caught.value, "pypdf")
    assert not raised_by(caught.value, "pyhanko")  # another library's seam does not take it
    with pytest.raises(KeyError) as ours:
        _ours()
    assert not raised_by(ours.value, "pypdf")
    # A built-in type raised inside the library is the library's; the same type raised in our
    # code is ours.
    with pytest.raises(Exception) as inside:
        pypdf.PdfReader(
            io.BytesIO(minimal_pdf({1: b"<< /Type /Catalog /Pages 9 0 R >>"})), strict=False
        ).pages[0]
    assert type(inside.value).__module__ == "builtins" or raised_by(inside.value, "pypdf")
    assert raised_by(inside.value, "pypdf")


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pages = minimal_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        }
    )
    identity = signing.create_identity(b"seams", common_name="Seam test")
    folder = tmp_path_factory.mktemp("seams")
    key = folder / "seams.p12"
    signing.write_private(key, identity)
    pdf = signing.sign_pdf(pages, signing.load_identity(key, b"seams"), signing.SignOptions())
    path = folder / "signed.pdf"
    path.write_bytes(pdf)
    return path


def test_the_signed_report_is_checked_without_a_problem_of_its_own(signed: Path) -> None:
    checked = verification.verify_report(signed, verification.VerifyOptions(allow_untrusted=True))
    assert checked.signed and not any("a signature cannot be checked" in p for p in checked.problems)


@pytest.mark.parametrize("part", ["_check_signature", "_embedded_files"])
def test_a_bug_in_verify_is_raised_not_reported_as_a_damaged_report(
    signed: Path, part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in checking a signature or in reading the embedded assessment is not a finding about
    the report ("a signature cannot be checked"): it reaches the internal-error exit."""
    monkeypatch.setattr(verification, part, lambda *_args: _ours())
    with pytest.raises(KeyError, match="a bug of ours"):
        verification.verify_report(signed, verification.VerifyOptions(allow_untrusted=True))


def test_a_document_a_reading_library_fails_on_is_refused_and_a_bug_of_ours_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = tmp_path / "dpa.md"
    document.write_text("# 1. Instructions\n\nThe processor acts only on documented instructions.\n")
    assert documents.read_as_data(str(document))[0] == "ok"

    def damaged(_path: Path) -> None:
        raise pypdf.errors.PdfReadError("a broken cross-reference table")

    monkeypatch.setattr(documents, "read", damaged)
    kind, problems = documents.read_as_data(str(document))
    assert kind == "refused" and "cannot be read (PdfReadError)" in problems[0]["message"]
    monkeypatch.setattr(documents, "read", lambda _path: _ours())
    with pytest.raises(KeyError, match="a bug of ours"):
        documents.read_as_data(str(document))


def test_a_damaged_pdf_is_refused_without_the_library_warnings_on_the_terminal(tmp_path: Path) -> None:
    """pypdf logs a warning for every damaged object it meets; the command says what matters
    itself (issue 19, item 7: no library warning in any output)."""
    content = (
        b"BT /F1 12 Tf 72 700 Td (The processor acts only on documented instructions.) Tj ET\n"
        b"BT [<0047>0<<0 304005d>] TJ ET 98.01.0873 0 Td"
    )
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(
        minimal_pdf(
            {
                1: b"<< /Type /Catalog /Pages 2 0 R >>",
                2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
                b" /Resources << /Font << /F1 5 0 R >> >> >>",
                4: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
                5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            }
        )
    )
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("compliance")),
            "review",
            "dpa",
            str(damaged),
            "--document-lang",
            "en",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path)},
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines()[1:] == [f"  {damaged}: page 1 cannot be read (PdfStreamError)"], run.stderr
