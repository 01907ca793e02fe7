"""The menu's prompts as sound: synthesised Russian speech until one is recorded, uploaded
recordings converted to the telephone's rate.

Every prompt is kept under ``$VMESTE_DATA_DIR/prompts/`` twice, by one name: ``NAME.al``,
raw 8 kHz A-law (G.711, what the media application sends as RTP), and ``NAME.wav``, the same
8 kHz sound as 16-bit PCM for the site's "listen" button (what the caller will hear, in a
format every browser plays). A synthesised prompt is named by the hash of its text, so a
changed text is said anew and an unchanged one is never synthesised twice.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from vmeste.core.errors import ValidationFailed

VOICE = "ru"
UPLOAD_FORMATS = {"wav", "mp3", "ogg"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def directory() -> Path:
    path = Path(settings.DATA_DIR) / "prompts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{VOICE}\n{text.strip()}".encode()).hexdigest()


def exists(name: str) -> bool:
    return bool(name) and (directory() / f"{name}.al").is_file()


def can_synthesise() -> bool:
    """espeak-ng and sox installed (`vmeste telephony check` says so too)."""
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def synthesise(text: str) -> str:
    """The prompt's name for this text, synthesised now if it was not already."""
    name = "tts-" + text_hash(text)[:24]
    if not exists(name):
        with tempfile.TemporaryDirectory() as work:
            raw = Path(work) / "speech.wav"
            _run(["espeak-ng", "-v", VOICE, "-w", str(raw), text.strip()])
            _store(raw, name)
    return name


def store_upload(content: bytes, filename: str) -> str:
    """An uploaded recording (WAV, MP3 or OGG) converted to 8 kHz; its name (by content)."""
    extension = Path(filename).suffix.lower().lstrip(".")
    if extension not in UPLOAD_FORMATS:
        raise ValidationFailed({"file": _("Запись — файл WAV, MP3 или OGG.")})
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed({"file": _("Запись больше 20 МБ.")})
    name = "rec-" + hashlib.sha256(content).hexdigest()[:24]
    if exists(name):
        return name
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / f"upload.{extension}"
        source.write_bytes(content)
        pcm = Path(work) / "decoded.wav"
        try:
            _decode(source, pcm)
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            raise ValidationFailed({"file": _("Не удалось прочитать запись.")}) from exc
        _store(pcm, name)
    return name


def _decode(source: Path, target: Path) -> None:
    """Any of the upload formats to PCM WAV: sox reads WAV and OGG, libsndfile (through
    soundfile) reads MP3, which Debian's sox cannot."""
    if source.suffix != ".mp3":
        _run(["sox", str(source), "-b", "16", str(target)])
        return
    import soundfile

    data, rate = soundfile.read(str(source), dtype="int16")
    soundfile.write(str(target), data, rate, subtype="PCM_16")


def _store(source: Path, name: str) -> None:
    """8 kHz mono A-law for the line and 8 kHz PCM WAV for listening, written whole
    (a half-written file is never seen under the final name). Each writer has its own
    partial file: two processes (two servers, two test workers) may say the same text at
    once, and the second rename must not find the first's file gone."""
    folder = directory()
    mine = f"{os.getpid()}-{secrets.token_hex(4)}"
    for suffix, encoding in ((".wav", ["-e", "signed-integer", "-b", "16", "-t", "wav"]),
                             (".al", ["-e", "a-law", "-t", "al"])):  # fmt: skip
        partial = folder / f"{name}{suffix}.{mine}.part"
        _run(["sox", str(source), "-r", "8000", "-c", "1", *encoding, str(partial)])
        partial.replace(folder / f"{name}{suffix}")


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)
