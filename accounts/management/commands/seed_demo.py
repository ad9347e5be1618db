"""``manage.py seed_demo``: seed the demo organization into an empty database, then print the logins.

Safe to run on every start: it writes nothing when any organization exists.
"""

from django.core.management.base import BaseCommand

from accounts.demo import demo_logins_present, demo_seed, logins_table


class Command(BaseCommand):
    help = "数据库中没有任何组织时写入演示数据（一个街道党工委及其支部、党员和各角色账号），并列出演示账号。"

    def handle(self, *args, **options) -> None:
        if demo_seed() is not None:
            self.stdout.write(self.style.SUCCESS("已写入演示数据。"))
        else:
            self.stdout.write("数据库中已有组织数据，未写入演示数据。")
        logins = demo_logins_present()
        if logins:
            self.stdout.write("演示账号：\n" + logins_table(logins))
        else:
            self.stdout.write("未找到演示账号。")
