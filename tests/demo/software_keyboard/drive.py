"""Drive the demo in Chromium and show what crosses the websocket (not part of the test run).

Types a password on the software keyboard, one on the physical keyboard, submits, and prints
each step; then lists the frames the browser sent: key clicks carry positions only, and the
only frame holding a typed password is the form submit of the physically typed field.
"""

import sys

from playwright.sync_api import sync_playwright

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8731/"
TYPED = "Ab3$xY9!"


def main() -> int:
    sent: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameSent", lambda e: sent.append(e["response"]["payloadData"]))
        page.goto(URL)
        page.wait_for_timeout(1500)

        field = page.get_by_label("パスワード", exact=True)
        field.fill("typed-physically")
        page.get_by_role("button", name="ソフトウェアキーボード").first.click()
        panel = page.get_by_role("group", name="ソフトウェアキーボード")
        panel.wait_for()
        print("after switching, the field shows:", repr(field.input_value()))
        for char in TYPED:
            panel.get_by_role("button", name=char, exact=True).click()
        page.wait_for_timeout(300)
        status = page.locator("#password-kb-status").inner_text()
        print("display:", field.input_value(), "/", status)
        before = panel.get_by_role("group", name="数字").get_by_role("button").all_inner_texts()
        panel.get_by_role("button", name="並び替え").click()
        page.wait_for_timeout(300)
        after = panel.get_by_role("group", name="数字").get_by_role("button").all_inner_texts()
        print("digits before / after 並び替え:", "".join(before), "/", "".join(after))
        page.screenshot(path="software_keyboard.png", full_page=True)
        panel.get_by_role("button", name="閉じる").click()

        page.get_by_label("パスワード再入力").fill(TYPED)
        page.get_by_role("button", name="登録").click()
        page.wait_for_timeout(800)
        print("result:", page.get_by_test_id("result").inner_text())
        field = page.get_by_label("パスワード", exact=True)
        print("field after submit:", repr(field.input_value()))

        page.get_by_role("button", name="ソフトウェアキーボード").first.click()
        page.get_by_role("group", name="ソフトウェアキーボード").get_by_role(
            "button", name="Q", exact=True
        ).click()
        page.wait_for_timeout(300)
        page.get_by_label("パスワード", exact=True).click()
        page.keyboard.type("z")
        page.wait_for_timeout(600)
        field = page.get_by_label("パスワード", exact=True)
        page.keyboard.type("Typed2#x")
        print(
            "typing into the display switched back:",
            field.get_attribute("type"),
            repr(field.input_value()),
        )
        browser.close()

    presses = [f for f in sent if ".kb_press" in f]
    print(f"{len(sent)} frames sent, {len(presses)} key clicks; one of them:")
    print("  ", presses[0][:220])
    holding = [f for f in sent if TYPED in f or "xY9" in f]
    print("frames holding the typed password:")
    for frame in holding:
        print("  ", frame[:260])
    return 0


if __name__ == "__main__":
    sys.exit(main())
