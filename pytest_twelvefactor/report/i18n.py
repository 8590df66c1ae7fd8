"""Words of the reports in English and Korean (the seed report's vocabulary)."""

from __future__ import annotations

LANGUAGES = ("en", "ko")

STATUS = {
    "en": {"pass": "✅ Pass", "partial": "⚠️ Partial", "fail": "❌ Fail", "n/a": "➖ N/A", "waived": "🔕 Waived"},
    "ko": {"pass": "✅ 충족", "partial": "⚠️ 부분충족", "fail": "❌ 미충족", "n/a": "➖ 해당 없음", "waived": "🔕 면제"},
}

TAGS = {
    "en": {"NEW": "NEW", "IMPROVED": "IMPROVED", "REGRESSED": "REGRESSED", "CHANGED": "CHANGED", "REMOVED": "REMOVED"},
    "ko": {"NEW": "NEW", "IMPROVED": "IMPROVED", "REGRESSED": "REGRESSED", "CHANGED": "CHANGED", "REMOVED": "REMOVED"},
}

TEXT = {
    "en": {
        "title": "12-Factor App & Cloud Native audit",
        "audited": "Audited",
        "baseline": "Baseline",
        "project": "Project",
        "judged": "Judged deployment",
        "changes": "Changes since the baseline",
        "no_changes": "No verdict changed since the baseline.",
        "twelve_factor": "12-Factor App checklist",
        "cloud_native": "Cloud Native checklist",
        "custom": "Team checks",
        "item": "Item",
        "status": "Status",
        "current": "Current state",
        "improvement": "Improvement needed",
        "score": "Score",
        "unchanged": "unchanged",
        "comparison": "Score comparison",
        "tf_comparison": "12-Factor App scores",
        "cn_comparison": "Cloud Native scores",
        "area": "Area",
        "before": "Before",
        "after": "After",
        "delta": "Change",
        "average": "Average",
        "bars": "Scores at a glance",
        "roadmap": "Roadmap",
        "priority_names": {"P0": "P0 - Critical", "P1": "P1 - High priority", "P2": "P2 - Medium priority", "P3": "P3 - Nice to have"},
        "related": "Areas",
        "gain": "Expected score gain",
        "diagnostics": "Files not analysed as intended",
        "references": "References",
        "none": "-",
        "change": "Change",
        "verdict_before": "Before",
        "verdict_after": "After",
        "twelve_factor_score": "12-Factor App score",
        "cloud_native_score": "Cloud Native score",
        "waived_by": "waived",
        "no_roadmap": "Nothing to improve: every applicable item passes.",
    },
    "ko": {
        "title": "12-Factor App & Cloud Native 설계 원칙 점검 결과",
        "audited": "점검일",
        "baseline": "이전 점검",
        "project": "대상 프로젝트",
        "judged": "점검한 배포 구성",
        "changes": "이전 점검 대비 변경 요약",
        "no_changes": "이전 점검 이후 변경된 판정이 없습니다.",
        "twelve_factor": "12-Factor App 체크리스트",
        "cloud_native": "Cloud Native 설계 원칙 체크리스트",
        "custom": "팀 자체 점검 항목",
        "item": "항목",
        "status": "상태",
        "current": "현황",
        "improvement": "개선 필요",
        "score": "점수",
        "unchanged": "변동 없음",
        "comparison": "종합 점검 결과 비교",
        "tf_comparison": "12-Factor App 점수 비교",
        "cn_comparison": "Cloud Native 점수 비교",
        "area": "영역",
        "before": "Before",
        "after": "After",
        "delta": "변화",
        "average": "평균",
        "bars": "개선 효과 시각화",
        "roadmap": "개선 로드맵",
        "priority_names": {"P0": "P0 - 긴급 (Critical)", "P1": "P1 - 단기 개선 대상 (High Priority)", "P2": "P2 - 중기 개선 대상 (Medium Priority)", "P3": "P3 - 장기 개선 대상 (Nice to Have)"},
        "related": "관련 원칙",
        "gain": "예상 점수 향상",
        "diagnostics": "분석하지 못한 파일",
        "references": "참고 자료",
        "none": "-",
        "change": "변경",
        "verdict_before": "이전",
        "verdict_after": "현재",
        "twelve_factor_score": "12-Factor App 점수",
        "cloud_native_score": "Cloud Native 점수",
        "waived_by": "면제",
        "no_roadmap": "개선할 항목이 없습니다: 적용되는 모든 항목이 충족되었습니다.",
    },
}


def text(lang: str, key: str):
    return TEXT.get(lang, TEXT["en"])[key]


def status(lang: str, verdict: str) -> str:
    return STATUS.get(lang, STATUS["en"]).get(verdict, verdict)
