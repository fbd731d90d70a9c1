import pytest

from bot.integrations.gitlab.urls import IssueRef, IssueUrlError, parse_issue_url

GITLAB = "https://gitlab.com"


@pytest.mark.parametrize(
    ("url", "ref"),
    [
        ("https://gitlab.com/group/sub/project/-/issues/123", IssueRef("group/sub/project", 123)),
        ("https://gitlab.com/group/project/-/issues/9#note_42", IssueRef("group/project", 9)),
        ("https://gitlab.com/group/project/-/issues/9/?x=1", IssueRef("group/project", 9)),
        ("https://GitLab.com/g/issues/-/issues/5", IssueRef("g/issues", 5)),
        ("https://gitlab.com/group/project/issues/4", IssueRef("group/project", 4)),
        ("https://gitlab.com/group/project/-/work_items/3", IssueRef("group/project", 3)),
        ("  https://gitlab.com/a/b%20c/-/issues/2 ", IssueRef("a/b c", 2)),
    ],
)
def test_issue_links_give_the_project_path_and_iid(url, ref):
    assert parse_issue_url(url, GITLAB) == ref


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://gitlab.com/group/project/-/merge_requests/5", "is not a GitLab issue link"),
        ("https://gitlab.com/groups/acme/-/epics/2", "is not a GitLab issue link"),
        ("https://gitlab.com/group/project", "is not a GitLab issue link"),
        ("https://gitlab.com/project/-/issues/0", "is not a GitLab issue link"),
        ("https://gitlab.com/-/issues/3", "is not a GitLab issue link"),
        ("https://gitlab.example.com/group/project/-/issues/1", "is not on https://gitlab.com"),
        ("gitlab.com/group/project/-/issues/1", "is not a link"),
        ("", "is not a link"),
    ],
)
def test_other_links_are_refused_in_one_line(url, problem):
    with pytest.raises(IssueUrlError) as error:
        parse_issue_url(url, GITLAB)
    assert problem in str(error.value) and "\n" not in str(error.value)


def test_gitlab_under_a_path():
    base = "https://example.com/gitlab"
    url = "https://example.com/gitlab/ps/acme/-/issues/12"
    assert parse_issue_url(url, base) == IssueRef("ps/acme", 12)
    with pytest.raises(IssueUrlError, match="not under"):
        parse_issue_url("https://example.com/ps/acme/-/issues/12", base)
