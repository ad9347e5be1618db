# 支委会会议 (issue 13): the meeting record, each claim decision naming its meeting, the quorum rule and
# whether one reviewer may decide alone, on the branch's review settings. Written for this change only.

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_organization_members_see_rankings"),
        ("workflows", "0010_scale_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewsettings",
            name="committee_quorum_percent",
            field=models.PositiveSmallIntegerField(
                default=50,
                help_text="出席委员须超过支委会应到人数的该百分比，会议方可审核（默认 50，即超过半数）",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(99),
                ],
                verbose_name="支委会会议出席比例（%）",
            ),
        ),
        migrations.AddField(
            model_name="reviewsettings",
            name="single_reviewer",
            field=models.BooleanField(
                default=True,
                help_text="不勾选时，支委会审核须在支委会会议上集体研究决定，不能由一名委员单独审核",
                verbose_name="允许单人审核",
            ),
        ),
        migrations.CreateModel(
            name="CommitteeMeeting",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("held_on", models.DateField(verbose_name="会议日期")),
                ("place", models.CharField(max_length=100, verbose_name="会议地点")),
                (
                    "quorum_percent",
                    models.PositiveSmallIntegerField(verbose_name="出席人数须超过应到人数的百分比"),
                ),
                ("minutes", models.TextField(blank=True, verbose_name="会议纪要")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="登记时间"),
                ),
                (
                    "attendees",
                    models.ManyToManyField(
                        related_name="committee_meetings_attended",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="出席委员",
                    ),
                ),
                (
                    "branch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="committee_meetings",
                        to="accounts.organization",
                        verbose_name="支部",
                    ),
                ),
                (
                    "chair",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="主持人",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="登记人",
                    ),
                ),
                (
                    "recorder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="记录人",
                    ),
                ),
                (
                    "roster",
                    models.ManyToManyField(
                        blank=True, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="应到委员"
                    ),
                ),
            ],
            options={
                "verbose_name": "支委会会议",
                "verbose_name_plural": "支委会会议",
                "ordering": ["-held_on", "-id"],
            },
        ),
        migrations.AddField(
            model_name="claim",
            name="meeting",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="claims",
                to="workflows.committeemeeting",
                verbose_name="支委会会议",
            ),
        ),
        migrations.AddIndex(
            model_name="committeemeeting",
            index=models.Index(fields=["branch", "held_on"], name="meeting_branch_held_on_idx"),
        ),
    ]
