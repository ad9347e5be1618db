"""The year-end's 公示 and 申诉: a publicity window belongs to a period, a 民主评议 or an annual review and
names its branch; an appeal disputes a ledger entry or a member's proposed result. Processes carry the
two year-end records."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def windows_name_their_branch(apps, schema_editor):
    PublicityWindow = apps.get_model("workflows", "PublicityWindow")
    for window in PublicityWindow.objects.select_related("review").filter(branch__isnull=True):
        window.branch_id = window.review.branch_id
        window.save(update_fields=["branch"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_organization_members_see_rankings'),
        ('scoring', '0001_initial'),
        ('workflows', '0003_filing_documents'),
        ('yearend', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='appeal',
            name='corrected_result',
            field=models.CharField(blank=True, max_length=20, verbose_name='更正后的等次或得分'),
        ),
        migrations.AddField(
            model_name='appeal',
            name='subject',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.member', verbose_name='被申诉的评议或等次所属党员'),
        ),
        migrations.AddField(
            model_name='branchprocess',
            name='annual_review',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='process', to='yearend.annualreview', verbose_name='年度总评'),
        ),
        migrations.AddField(
            model_name='branchprocess',
            name='evaluation',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='process', to='yearend.evaluationsession', verbose_name='民主评议'),
        ),
        migrations.AddField(
            model_name='publicitywindow',
            name='annual_review',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='window', to='yearend.annualreview', verbose_name='年度总评'),
        ),
        migrations.AddField(
            model_name='publicitywindow',
            name='branch',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organization', verbose_name='支部'),
        ),
        migrations.RunPython(windows_name_their_branch, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='publicitywindow',
            name='branch',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organization', verbose_name='支部'),
        ),
        migrations.AddField(
            model_name='publicitywindow',
            name='evaluation',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='window', to='yearend.evaluationsession', verbose_name='民主评议'),
        ),
        migrations.AlterField(
            model_name='appeal',
            name='entry',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='scoring.ledgerentry', verbose_name='被申诉记录'),
        ),
        migrations.AlterField(
            model_name='publicitywindow',
            name='review',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='window', to='workflows.periodreview'),
        ),
        migrations.AddConstraint(
            model_name='appeal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('entry__isnull', False), ('subject__isnull', True)), models.Q(('entry__isnull', True), ('subject__isnull', False)), _connector='OR'), name='appeal_has_one_target'),
        ),
        migrations.AddConstraint(
            model_name='publicitywindow',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('annual_review__isnull', True), ('evaluation__isnull', True), ('review__isnull', False)), models.Q(('annual_review__isnull', True), ('evaluation__isnull', False), ('review__isnull', True)), models.Q(('annual_review__isnull', False), ('evaluation__isnull', True), ('review__isnull', True)), _connector='OR'), name='publicity_window_has_one_owner'),
        ),
    ]
