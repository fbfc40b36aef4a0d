package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.js;
import static ru.rosdistant.gateway.e2e.Browsers.screenshot;
import static ru.rosdistant.gateway.e2e.Browsers.visible;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;

/**
 * What an agent and a visitor meet every minute (issue 17): the console's dialog list (who, channel, last line,
 * live waiting time, unread, order, read marks, the keyboard), a forwarded dialog leaving the sender's list at once
 * with the forward dialog listing only who can take it, the card's transcript of the closed dialog with names for
 * codes, and the widget when nobody of the line is online. Lines lab200–lab202 follow the production rule: a dialog
 * joins the waiting line with the visitor's first message.
 */
class InboxBrowserTests extends BrowserTest {

    @Autowired
    AgentDirectory agents;

    @Test
    void theDialogListShowsWhoWhereWhatHowLongAndUnreadInWaitingOrderAndTheKeyboardWorksIt() throws IOException {
        Agent agent = Staff.agent(agents, "lab200", 5);
        WebDriver console = browsers.open();
        WebDriverWait wait = waitFor(console);
        logIn(console, wait, agent.login());
        // The empty list says what the agent's state means.
        wait.until(driver -> driver.findElement(By.id("no-dialogs")).getText().contains("выберите статус «В сети»"));
        new Select(console.findElement(By.id("presence"))).selectByValue("ONLINE");
        wait.until(driver -> driver.findElement(By.id("no-dialogs")).getText().contains("Вы в сети"));

        String first = "Первый вопрос " + UUID.randomUUID();
        String second = "Второй вопрос " + UUID.randomUUID();
        try (WsClient one = visitor("lab200"); WsClient two = visitor("lab200")) {
            String d1 = ask(one, first + "\nвторая строка");
            WebElement item1 = wait.until(visible(item(d1)));
            assertThat(item1.findElement(By.cssSelector(".site")).getText()).isEqualTo("Виджет · Lab 200");
            assertThat(item1.findElement(By.cssSelector(".visitor")).getText()).matches("Lab 200 · №\\d{4}");
            assertThat(item1.findElement(By.cssSelector(".preview")).getText()).isEqualTo(first);
            assertThat(item1.findElement(By.cssSelector(".waited")).getText()).startsWith("ждёт");
            // Nothing was on screen: the first dialog is selected.
            wait.until(driver -> d1.equals(selected(driver)));

            String d2 = ask(two, second);
            wait.until(visible(item(d2)));
            assertThat(order(console)).containsExactly(d1, d2);
            wait.until(driver -> "1".equals(unread(driver, d2)));
            say(two, d2, "И ещё строка");
            wait.until(driver -> "2".equals(unread(driver, d2)));
            assertThat(selected(console)).isEqualTo(d1);

            // The agent answers the first: nobody waits there any more, so it goes below the one still waiting.
            WebElement reply = console.findElement(By.id("reply"));
            wait.until(driver -> reply.isEnabled());
            reply.sendKeys("Здравствуйте! Сейчас посмотрю." + Keys.ENTER);
            wait.until(driver -> order(driver).equals(List.of(d2, d1)));
            assertThat(li(console, d1).findElement(By.cssSelector(".waited")).getText()).isEmpty();
            assertThat(li(console, d1).findElement(By.cssSelector(".preview")).getText()).isEqualTo("Здравствуйте! Сейчас посмотрю.");
            screenshot(console, "console-inbox.png");

            // Alt+↑ / Alt+↓ walk the list; the dialog shown is read, and the server is told.
            new Actions(console).keyDown(Keys.ALT).sendKeys(Keys.ARROW_UP).keyUp(Keys.ALT).perform();
            wait.until(driver -> d2.equals(selected(driver)));
            wait.until(driver -> unread(driver, d2) == null);
            wait.until(driver -> Boolean.TRUE.equals(js(driver, "return window.__wsLog.some(l => l.includes(' < ')"
                    + " && l.includes('\"type\":\"read\"') && l.includes(arguments[0]));", d2)));
            // A message in the other dialog counts there; the selection stays.
            say(one, d1, "Алло?");
            wait.until(driver -> "1".equals(unread(driver, d1)));
            assertThat(selected(console)).isEqualTo(d2);

            // Alt+R: the reply box; Ctrl+Enter sends.
            new Actions(console).keyDown(Keys.ALT).sendKeys("r").keyUp(Keys.ALT).perform();
            wait.until(driver -> "reply".equals(js(driver, "return document.activeElement.id;")));
            new Actions(console).sendKeys("Ответ с клавиатуры").keyDown(Keys.CONTROL).sendKeys(Keys.ENTER).keyUp(Keys.CONTROL).perform();
            wait.until(driver -> driver.findElements(By.cssSelector("#messages .msg[data-from=agent][data-state=sent]")).stream()
                    .anyMatch(m -> m.getText().contains("Ответ с клавиатуры")));

            // The help lists the keys.
            console.findElement(By.id("help-open")).click();
            WebElement help = wait.until(visible(By.id("help-modal")));
            assertThat(help.getText()).contains("Alt + ↓").contains("Alt + R").contains("Alt + C");
            screenshot(console, "console-help.png");
            console.findElement(By.id("help-close")).click();
            wait.until(driver -> !driver.findElement(By.id("help-modal")).isDisplayed());

            // Alt+C: close with the appeal type; the card then shows this dialog's transcript, and names, not codes.
            new Actions(console).keyDown(Keys.ALT).sendKeys("c").keyUp(Keys.ALT).perform();
            wait.until(visible(By.id("close-modal")));
            new Select(console.findElement(By.id("appeal-type"))).selectByValue("CONSULTATION");
            console.findElement(By.id("close-submit")).click();
            wait.until(driver -> !driver.findElement(By.id("close-modal")).isDisplayed());
            WebElement transcript = wait.until(driver -> {
                WebElement pre = driver.findElement(By.id("card-current-transcript"));
                return pre.isDisplayed() && pre.getText().contains(second) ? pre : null;
            });
            assertThat(transcript.getText()).contains("Ответ с клавиатуры");
            String status = console.findElement(By.cssSelector("#card-fields .card-state")).getText();
            assertThat(status).isNotBlank().doesNotMatch("[A-Z_]+");
            screenshot(console, "console-card-transcript.png");
            assertNoScriptErrors(console);
        }
    }

    @Test
    void aForwardedDialogLeavesTheSendersListAtOnceAndTheForwardDialogListsOnlyWhoCanTakeIt() throws IOException {
        Agent sender = Staff.agent(agents, "lab201", 5);
        Agent receiver = Staff.agent(agents, "lab201", 5);
        Staff.agent(agents, "lab201", 5);   // never logs in: not offered
        WebDriver console = browsers.open();
        WebDriverWait wait = waitFor(console);
        logInOnline(console, wait, sender.login());
        try (WsClient visitor = visitor("lab201")) {
            String dialogId = ask(visitor, "Передайте коллеге, пожалуйста " + UUID.randomUUID());
            wait.until(visible(item(dialogId)));
            wait.until(driver -> dialogId.equals(selected(driver)));

            WebDriver other = browsers.open();
            WebDriverWait otherWait = waitFor(other);
            logInOnline(other, otherWait, receiver.login());

            console.findElement(By.id("forward-dialog")).click();
            wait.until(visible(By.id("forward-modal")));
            By option = By.cssSelector("#forward-agent option[value='" + receiver.id() + "']");
            WebElement choice = wait.until(driver -> driver.findElements(option).isEmpty() ? null : driver.findElement(option));
            assertThat(choice.getText()).startsWith(receiver.displayName()).doesNotContain("()").doesNotContain(";")
                    .doesNotContain(" ,");
            assertThat(console.findElements(By.cssSelector("#forward-agent option[value='" + sender.id() + "']"))).isEmpty();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> options = (List<Map<String, Object>>) js(console, "return [...document.querySelectorAll("
                    + "'#forward-agent option')].filter(o => o.value).map(o => ({state: o.dataset.state, disabled: o.disabled}));");
            assertThat(options).allSatisfy(o -> assertThat(o.get("disabled")).isEqualTo("FULL".equals(o.get("state"))));
            new Select(console.findElement(By.id("forward-agent"))).selectByValue(String.valueOf(receiver.id()));
            screenshot(console, "console-forward-targets.png");
            console.findElement(By.id("forward-submit")).click();

            // It leaves the sender's list at once, with a notice; the receiver has it.
            wait.until(driver -> driver.findElements(item(dialogId)).isEmpty());
            wait.until(driver -> driver.findElement(By.id("notice")).getText().toLowerCase().contains("передан"));
            otherWait.until(visible(item(dialogId)));
            assertNoScriptErrors(console);
            assertNoScriptErrors(other);
        }
    }

    @Test
    void withNobodyOfTheLineOnlineTheWidgetSaysSoAtOnceAndOffersTheFormOrWaiting() throws IOException {
        WebDriver page = browsers.open();
        WebDriverWait wait = waitFor(page);
        page.get(base() + "/demo/e2e-site.html?site=lab202");
        SearchContext widget = wait.until(driver -> {
            List<WebElement> found = driver.findElements(By.id("rosdistant-chat"));
            return found.isEmpty() ? null : found.get(0);
        }).getShadowRoot();
        js(page, "window.__state = {}; window.RosdistantChat.on('state', s => { window.__state = s; });");
        wait.until(driver -> "Сейчас нет специалистов в сети".equals(status(widget)));
        widget.findElement(By.cssSelector("[data-testid=launcher]")).click();
        WebElement notice = wait.until(driver -> shown(widget, "nobody"));
        assertThat(notice.getText()).contains("никого из специалистов нет в сети").contains("подождите");

        // The form is offered, with the choice to wait in the chat.
        widget.findElement(By.cssSelector("[data-testid=nb-form]")).click();
        wait.until(driver -> shown(widget, "offline"));
        assertThat(widget.findElement(By.cssSelector("[data-testid=off-reason]")).getText())
                .contains("никого из специалистов нет в сети");
        WebElement wait_ = widget.findElement(By.cssSelector("[data-testid=off-hide]"));
        assertThat(wait_.getText()).isEqualTo("Подождать в чате");
        screenshot(page, "widget-nobody-online-form.png");
        wait_.click();
        wait.until(driver -> shown(widget, "offline") == null && shown(widget, "nobody") == null);

        // The visitor waits: their message first, then the line that says nobody is online; no estimate.
        String question = "Подожду ответа " + UUID.randomUUID();
        WebElement input = widget.findElement(By.cssSelector("[data-testid=input]"));
        input.sendKeys(question + Keys.ENTER);
        wait.until(driver -> widget.findElements(By.cssSelector(".msg[data-from=system]")).stream()
                .anyMatch(m -> m.getText().contains("никого из специалистов нет в сети")));
        wait.until(driver -> Long.valueOf(1).equals(js(driver, "return window.__state.queuePosition;")));
        assertThat(status(widget)).isEqualTo("Сейчас нет специалистов в сети");
        List<WebElement> messages = widget.findElements(By.cssSelector(".msg"));
        assertThat(messages.get(0).getDomAttribute("data-from")).isEqualTo("visitor");
        assertThat(messages.get(0).getText()).contains(question);
        screenshot(page, "widget-nobody-online.png");

        // An agent of the line comes online: the dialog is taken at once.
        Agent agent = Staff.agent(agents, "lab202", 5);
        WebDriver console = browsers.open();
        logInOnline(console, waitFor(console), agent.login());
        wait.until(driver -> ("Вам отвечает " + agent.displayName()).equals(status(widget)));
        assertThat(widget.findElements(By.cssSelector(".msg")).get(0).getDomAttribute("data-from")).isEqualTo("visitor");
        assertNoScriptErrors(page);
        assertNoScriptErrors(console);
    }

    // ------------------------------------------------------------------------------------------------

    private WsClient visitor(String site) {
        WsClient visitor = WsClient.visitor(port, site, "https://" + site + ".test");
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        return visitor;
    }

    /** Opens a dialog and writes its first message; returns the dialog id. */
    private static String ask(WsClient visitor, String text) {
        visitor.send("{\"type\":\"open\"}");
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        say(visitor, dialogId, text);
        return dialogId;
    }

    private static void say(WsClient visitor, String dialogId, String text) {
        String id = UUID.randomUUID().toString();
        visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", id, "text", text));
        visitor.await(f -> "ack".equals(f.path("type").asString()) && id.equals(f.path("clientMsgId").asString()), "ack " + id);
    }

    private static By item(String dialogId) {
        return By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "']");
    }

    private static WebElement li(WebDriver driver, String dialogId) {
        return driver.findElement(item(dialogId));
    }

    @SuppressWarnings("unchecked")
    private static List<String> order(WebDriver driver) {
        return (List<String>) js(driver, "return [...document.querySelectorAll('#dialogs li')].map(li => li.dataset.dialogId);");
    }

    private static String selected(WebDriver driver) {
        return (String) js(driver, "const li = document.querySelector('#dialogs li.selected'); return li && li.dataset.dialogId;");
    }

    /** The unread badge's number, or null when it is hidden. */
    private static String unread(WebDriver driver, String dialogId) {
        return (String) js(driver, "const b = document.querySelector(\"#dialogs li[data-dialog-id='\" + arguments[0] + \"'] .unread\");"
                + " return b && !b.hidden ? b.textContent : null;", dialogId);
    }

    private static String status(SearchContext widget) {
        return widget.findElement(By.cssSelector("[data-testid=status]")).getDomProperty("textContent");
    }

    private static WebElement shown(SearchContext widget, String testId) {
        WebElement found = widget.findElement(By.cssSelector("[data-testid=" + testId + "]"));
        return found.isDisplayed() ? found : null;
    }
}
