"""The org page in Chromium: the safety manager builds a department → workshop → post on a
phone and adds a person to the post; refused forms keep what was typed."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.platform.browser import has_horizontal_scroll, login


def add_child(page: Page, name: str, kind: str) -> None:
    page.fill("#child-name", name)
    page.select_option("#child-kind", kind)
    with page.expect_navigation():
        page.click("#child button[type=submit]")
    expect(page.locator(".notice.success")).to_have_text("已新增下级单位")
    expect(page.locator("#unit-h")).to_have_text(name)


def test_safety_manager_builds_a_branch_and_adds_a_person_on_a_phone(
    base: str, phone: Page
) -> None:
    tag = uuid.uuid4().hex[:4]
    login(phone, base, "safety")
    phone.goto(f"{base}/enterprise/org")
    expect(phone.locator("h1")).to_have_text("组织机构")
    assert not has_horizontal_scroll(phone)

    add_child(phone, f"生产部{tag}", "department")
    add_child(phone, f"冲压车间{tag}", "workshop")
    add_child(phone, f"冲床操作岗{tag}", "post")
    # the trail reads from the company down; a post takes no children
    expect(phone.locator(".org-trail")).to_contain_text(
        f"生产部{tag} / 冲压车间{tag} / 冲床操作岗{tag}"
    )
    expect(phone.locator("#child")).to_have_count(0)
    assert not has_horizontal_scroll(phone)

    phone.fill("#staff-name", f"张三{tag}")
    phone.fill("#staff-job_title", "冲床工")
    phone.fill("#staff-phone", "13800000000")
    with phone.expect_navigation():
        phone.click("#staff form.org-add button[type=submit]")
    expect(phone.locator(".notice.success")).to_have_text("已添加人员")
    person = phone.locator(".org-people .item", has_text=f"张三{tag}")
    expect(person).to_contain_text(f"冲床操作岗{tag}")
    expect(person).to_contain_text("冲床工")
    # the tree shows the new branch, open down to the selected post
    expect(phone.locator(".org-tree .org-node.on")).to_contain_text(f"冲床操作岗{tag}")
    assert not has_horizontal_scroll(phone)

    # the department above sees the person in its subtree
    phone.locator(".org-tree .org-node", has_text=f"生产部{tag}").first.click()
    expect(phone.locator("#unit-h")).to_have_text(f"生产部{tag}")
    expect(phone.locator(".org-people")).to_contain_text(f"张三{tag}")


def test_refused_forms_keep_what_was_typed(base: str, page: Page) -> None:
    tag = uuid.uuid4().hex[:4]
    login(page, base, "safety")
    page.goto(f"{base}/enterprise/org")
    # a person without a name: the message sits by the field, the rest stays as typed
    page.fill("#staff-name", "  ")
    page.fill("#staff-job_title", f"焊工{tag}")
    page.fill("#staff-phone", "0512-5350 0000")
    with page.expect_navigation():
        page.click("#staff form.org-add button[type=submit]")
    expect(page.locator("#staff-name-e")).to_have_text("请填写姓名")
    expect(page.locator("#staff-job_title")).to_have_value(f"焊工{tag}")
    expect(page.locator("#staff-phone")).to_have_value("0512-5350 0000")
    expect(page.locator(".org-people")).not_to_contain_text(f"焊工{tag}")

    # a unit with something in it is not deleted, and the page says what is there
    add_child(page, f"非空部门{tag}", "department")
    add_child(page, f"非空班组{tag}", "team")
    page.locator(".org-tree .org-node", has_text=f"非空部门{tag}").first.click()
    with page.expect_navigation():
        page.click(".org-delete button[type=submit]")
    expect(page.locator(".org-delete .alert")).to_contain_text("1个下级单位")
    expect(page.locator("#unit-h")).to_have_text(f"非空部门{tag}")
