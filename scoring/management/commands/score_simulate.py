"""试算: ``manage.py score_simulate RULES.yaml EVENTS.csv [--evaluations EVAL.csv] [--previous PREV.csv]
--cycle YEAR`` (contract v2; the files and the output are described in :mod:`scoring.core.simulate`).

The committee tries a rule set against a year of events before adopting it: with the 民主评议 (EVAL.csv,
``member,level`` or ``member,score`` as the rule set's evaluation takes) and last year's totals for the
carry-over (PREV.csv, ``member,total``). It reads files and prints; it never touches the database. Exit
status 2, with the file, line and field of each problem on stderr and nothing on stdout, when an input
cannot be scored. Contract v1 inputs give exactly v1's output.
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from scoring.core.engine import score_cycle
from scoring.core.inherit import read_ruleset_file
from scoring.core.presets import find_preset
from scoring.core.ruleset_file import RuleSetError
from scoring.core.simulate import (
    InputError,
    dropped_report,
    read_evaluations,
    read_events,
    read_previous,
    result_csv,
)

FILE_MISSING = "{path}: 文件不存在"
FILE_NOT_UTF8 = "{path}: 文件不是 UTF-8 编码"
INPUT_ERROR_STATUS = 2


class Command(BaseCommand):
    help = (
        "试算:用规则文件和一年的事件计算积分、等次和排名(不读写数据库);可加民主评议文件和上年总分文件(结转)。"
    )
    requires_system_checks = []  # a dry run must work on an installation that is not set up yet

    def add_arguments(self, parser):
        parser.add_argument("ruleset", help="规则文件 RULES.yaml(可含 extends,按预置规则或同目录文件解析)")
        parser.add_argument("events", help="事件文件 EVENTS.csv,表头 member,member_type,date,item,points")
        parser.add_argument(
            "--evaluations",
            help="民主评议文件 EVAL.csv:按等次评定的规则集表头为 member,level,"
            "投票得分(evaluation.kind: score)的规则集表头为 member,score(0 至 evaluation.max 分)",
        )
        parser.add_argument(
            "--previous",
            help="上年总分文件 PREV.csv,表头 member,total;结转分 = 规则集的 carry_over × 上年总分",
        )
        parser.add_argument("--cycle", type=int, required=True, help="积分周期(周期结束所在的年份)")

    def handle(self, *args, ruleset, events, evaluations, previous, cycle, **options):
        try:
            rules = read_ruleset_file(Path(ruleset), resolve=find_preset, source=ruleset)
            events_file = read_events(_read(events), source=events, ruleset=rules, cycle=cycle)
            given = {}
            if evaluations:
                given = read_evaluations(
                    _read(evaluations), source=evaluations, ruleset=rules, members=events_file.members
                )
            last_totals = {}
            if previous:
                last_totals = read_previous(
                    _read(previous), source=previous, ruleset=rules, members=events_file.members
                )
        except RuleSetError as exc:
            self._fail(str(exc).splitlines())
        except InputError as exc:
            self._fail(exc.messages)
        except FileNotFoundError as exc:
            self._fail([FILE_MISSING.format(path=exc.filename)])
        except UnicodeDecodeError:
            self._fail([FILE_NOT_UTF8.format(path=ruleset)])
        result = score_cycle(
            rules,
            events_file.members,
            events_file.events,
            cycle=cycle,
            evaluations=given,
            last_totals=last_totals,
        )
        for line in dropped_report(rules, events_file, result.dropped):
            self.stderr.write(line)
        self.stdout.write(result_csv(rules, result), ending="")

    def _fail(self, messages):
        for message in messages:
            self.stderr.write(message)
        raise SystemExit(INPUT_ERROR_STATUS)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([FILE_NOT_UTF8.format(path=path)]) from exc
