"""支委会会议记录: one committee meeting as the branch files it — date, place, the committee's attendance
(应到 / 实到 / 缺席) and the quorum, chair and recorder, the minutes, each claim decided with its result,
points and reason (and who 回避), and the signatures of the chair and the recorder."""

from __future__ import annotations

from reports.documents.layout import Sheet, chinese_date, person_name, render_sheet
from workflows.meetings import meeting_attendance
from workflows.models import CommitteeMeeting


def meeting_record_pdf(meeting: CommitteeMeeting) -> bytes:
    from workflows.views.meetings import decision_rows

    attendance = meeting_attendance(meeting)
    sheet = Sheet(
        title="支委会会议记录",
        organization=meeting.branch.name,
        period=chinese_date(meeting.held_on),
        filled_on=meeting.held_on,
        signers=["主持人", "记录人"],
    )
    return render_sheet(
        "reports/pdf/committee_meeting.html",
        sheet,
        meeting=meeting,
        held_on=chinese_date(meeting.held_on),
        chair=person_name(meeting.chair),
        recorder=person_name(meeting.recorder),
        present=[person_name(u) for u in attendance.present],
        absent=[person_name(u) for u in attendance.absent],
        attendance=attendance,
        rows=decision_rows(meeting),
    )
