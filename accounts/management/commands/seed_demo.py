"""``manage.py seed_demo``: seed the demo organization into an empty database, then print the logins.

Safe to run on every start: it writes nothing when any organization exists. The demo logins share a
published password, so it seeds only the embedded SQLite database unless told otherwise
(``--allow-production`` or ``JIFEN_SEED_DEMO=1``): an empty production database named by
``DATABASE_URL`` must not get a superuser anyone can log in as.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from accounts.demo import demo_logins_present, demo_seed, logins_table


class Command(BaseCommand):
    help = "数据库中没有任何组织时写入演示数据（一个街道党工委及其支部、党员和各角色账号），并列出演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="也向 DATABASE_URL 指定的数据库写入演示数据（演示账号的密码是公开的，切勿用于正式环境）。",
        )

    def handle(self, *args, **options) -> None:
        if not (settings.SEED_DEMO_ALLOWED or options["allow_production"]):
            self.stdout.write(
                "已设置 DATABASE_URL（正式环境）：未写入演示数据。"
                "如确需演示数据，请使用 --allow-production 或设置 JIFEN_SEED_DEMO=1。"
            )
            return
        if demo_seed() is not None:
            self.stdout.write(self.style.SUCCESS("已写入演示数据。"))
        else:
            self.stdout.write("数据库中已有组织数据，未写入演示数据。")
        logins = demo_logins_present()
        if logins:
            self.stdout.write("演示账号：\n" + logins_table(logins))
        else:
            self.stdout.write("未找到演示账号。")
