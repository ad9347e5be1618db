# shellcheck shell=bash
# Set-up shared by scripts/run, scripts/test and .ci/run. Source it, then call `jifen_setup <profile>`.
#
#   runtime  system libraries for the service (PDF: Pango, HarfBuzz subsetting, a CJK font; gettext)
#   test     runtime + what the tests drive (poppler-utils for pdftotext, Chromium for end-to-end tests)
#   ci       test + the PostgreSQL and Redis servers .ci/run tests against
#
# Every step checks first and does nothing when there is nothing to do, so re-runs take a second or two.

JIFEN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JIFEN_VENV="$JIFEN_ROOT/.venv"
JIFEN_PY="$JIFEN_VENV/bin/python"

JIFEN_APT_RUNTIME=(fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext)
JIFEN_APT_TEST=(poppler-utils chromium)
JIFEN_APT_CI=(postgresql postgresql-client redis-server redis-tools)

if [ -t 1 ]; then
    C_BLUE=$'\033[1;34m' C_RED=$'\033[1;31m' C_GREEN=$'\033[1;32m' C_YELLOW=$'\033[1;33m' C_OFF=$'\033[0m'
else
    C_BLUE='' C_RED='' C_GREEN='' C_YELLOW='' C_OFF=''
fi
say() { printf '%s==>%s %s\n' "$C_BLUE" "$C_OFF" "$*"; }
warn() { printf '%s警告:%s %s\n' "$C_YELLOW" "$C_OFF" "$*" >&2; }
die() {
    printf '%s错误:%s %s\n' "$C_RED" "$C_OFF" "$*" >&2
    exit 1
}

# Run as root directly, through sudo otherwise.
_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "需要 root 权限安装系统软件包：$*"
    fi
}

jifen_apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "安装系统软件包：${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    _as_root apt-get update -qq || die "apt-get update 失败"
    _as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} 失败"
}

jifen_system_packages() {
    local profile="$1" packages=("${JIFEN_APT_RUNTIME[@]}")
    case "$profile" in
        runtime) ;;
        test) packages+=("${JIFEN_APT_TEST[@]}") ;;
        ci) packages+=("${JIFEN_APT_TEST[@]}" "${JIFEN_APT_CI[@]}") ;;
        *) die "unknown set-up profile: $profile" ;;
    esac
    if ! command -v dpkg >/dev/null 2>&1; then
        warn "不是 Debian 系统：请自行安装 ${packages[*]}（或对应的软件包）"
        return 0
    fi
    # A Python without the venv module (Debian's own python3) needs python3-venv.
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        packages+=(python3-venv)
    fi
    jifen_apt_install "${packages[@]}"
}

# The virtualenv is (re)installed only when pyproject.toml or the Python version changed.
jifen_virtualenv() {
    local stamp="$JIFEN_ROOT/var/.install-stamp" want
    command -v python3 >/dev/null 2>&1 || die "找不到 python3（需要 Python 3.11）"
    python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
        die "需要 Python 3.11，当前为 $(python3 --version 2>&1)"
    if [ ! -x "$JIFEN_PY" ]; then
        say "创建虚拟环境 .venv"
        python3 -m venv "$JIFEN_VENV" || die "无法创建虚拟环境"
        rm -f "$stamp"
    fi
    want="$(cat "$JIFEN_ROOT/pyproject.toml" <("$JIFEN_PY" -VV) | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    say "安装 Python 依赖（pyproject.toml 有变化）"
    rm -f "$stamp"
    mkdir -p "$JIFEN_ROOT/var"
    local log="$JIFEN_ROOT/var/pip-install.log"
    # pip's output goes to a log (this machine's pip configuration warns about every package); shown on failure.
    "$JIFEN_PY" -m pip install --disable-pip-version-check --upgrade pip >"$log" 2>&1 ||
        { tail -n 40 "$log" >&2; die "pip 升级失败（完整输出：$log）"; }
    # The project itself runs from this tree (manage.py, pytest's rootdir): install its dependencies only.
    "$JIFEN_PY" - "$JIFEN_ROOT/pyproject.toml" >"$JIFEN_ROOT/var/.requirements.txt" <<'PY' || die "无法读取 pyproject.toml"
import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
print("\n".join(project["dependencies"] + project.get("optional-dependencies", {}).get("dev", [])))
PY
    "$JIFEN_PY" -m pip install --disable-pip-version-check -r "$JIFEN_ROOT/var/.requirements.txt" >>"$log" 2>&1 ||
        { tail -n 40 "$log" >&2; die "pip install 失败（完整输出：$log）"; }
    echo "$want" >"$stamp"
}

# .mo files are build output: compile the project's own .po files (compilemessages skips up-to-date ones).
jifen_compilemessages() {
    if find "$JIFEN_ROOT" -path "$JIFEN_VENV" -prune -o -path "$JIFEN_ROOT/node_modules" -prune \
        -o -name '*.po' -path '*/locale/*' -print -quit | grep -q .; then
        # compilemessages reads only LOCALE_PATHS; the test settings load without a production SECRET_KEY,
        # which a DATABASE_URL alone (scripts/test on PostgreSQL, CI) would otherwise require first.
        (cd "$JIFEN_ROOT" && DJANGO_SETTINGS_MODULE=config.test_settings \
            "$JIFEN_PY" manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules) ||
            die "compilemessages 失败"
    fi
}

jifen_setup() {
    local profile="${1:-runtime}"
    jifen_system_packages "$profile"
    jifen_virtualenv
    jifen_compilemessages
}
