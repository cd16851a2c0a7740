#!/usr/bin/env bash
# Installs the system packages medvmad builds and tests against (Debian 12). Idempotent.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
PACKAGES=(libopenblas-dev libpng-dev zlib1g-dev libssl-dev pkg-config libnifti2-dev libdcmtk-dev dcmtk libopenjp2-7-dev dicom3tools python3-venv slurm-wlm munge chromium orthanc)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ] || [ "${CI:-}" = "true" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
fi
