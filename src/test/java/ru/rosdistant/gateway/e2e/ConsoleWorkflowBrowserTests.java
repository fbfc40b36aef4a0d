package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.site.WorkingCalendar;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.js;
import static ru.rosdistant.gateway.e2e.Browsers.screenshot;
import static ru.rosdistant.gateway.e2e.Browsers.visible;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console's closing, classifying and offer flows and the widget's queue and offline form, in the
 * system's headless Chromium against the running gateway. Each test has a site and line of its own
 * (lab25 … lab29, lab31 and lab32 in application-test.yml); the host page {@code /demo/e2e-site.html?site=…} (test
 * resources) embeds the widget for it.
 */
class ConsoleWorkflowBrowserTests extends BrowserTest {

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    WorkingCalendar calendar;

    @Test
    void agentClosesWithTheAppealTypeAndTheVisitorSeesTheDialogClosed() throws IOException {
        Agent agent = Staff.agent(agents, "lab25", 5);
        WebDriver console = consoleOnline(agent);
        WebDriverWait consoleWait = waitFor(console);

        WebDriver page = browsers.open();
        WebDriverWait pageWait = waitFor(page);
        SearchContext widget = openWidget(page, pageWait, "lab25");
        String dialogId = visitorWrites(page, pageWait, widget, "Хочу перевестись на другое направление " + UUID.randomUUID());

        openDialogInConsole(console, consoleWait, dialogId);
        consoleWait.until(driver -> driver.findElement(By.id("close-dialog")).isEnabled());
        console.findElement(By.id("close-dialog")).click();
        WebElement modal = consoleWait.until(visible(By.id("close-modal")));

        // A service request without its ticket-desk number is refused in the dialog, with the reason.
        new Select(console.findElement(By.id("appeal-type"))).selectByValue("SERVICE_REQUEST");
        consoleWait.until(visible(By.id("request-number")));
        console.findElement(By.id("close-submit")).click();
        consoleWait.until(driver -> driver.findElement(By.id("close-error")).getText().contains("номер заявки"));
        assertThat(console.findElement(By.id("request-number")).getDomAttribute("aria-invalid")).isEqualTo("true");
        assertThat(modal.isDisplayed()).isTrue();
        assertThat(column(dialogId, "state")).isEqualTo("ASSIGNED");

        String number = "SR-" + (System.nanoTime() % 1_000_000);
        LocalDate due = LocalDate.now().plusDays(10);
        console.findElement(By.id("request-number")).sendKeys(number);
        js(console, "const f = document.getElementById('due-date'); f.value = arguments[0];"
                + " f.dispatchEvent(new Event('input', {bubbles: true}));", due.toString());
        screenshot(console, "console-close-dialog.png");
        console.findElement(By.id("close-submit")).click();

        consoleWait.until(driver -> !driver.findElement(By.id("close-modal")).isDisplayed());
        consoleWait.until(driver -> driver.findElement(By.id("notice")).getText()
                .contains("Запрос на обслуживание, заявка № " + number));
        consoleWait.until(driver -> driver.findElement(By.id("conv-meta")).getText().contains("№ " + number));
        assertThat(console.findElement(By.id("reply")).isEnabled()).isFalse();

        // The visitor's widget shows the dialog closed by the specialist.
        pageWait.until(driver -> "Диалог завершён. Напишите, чтобы начать новый".equals(statusOf(widget)));
        pageWait.until(driver -> widget.findElements(By.cssSelector(".msg[data-from=system]"))
                .stream()
                .anyMatch(message -> message.getText().contains("Специалист завершил диалог.")));
        assertThat(widget.findElement(By.cssSelector("[data-testid=close-dialog]")).isEnabled()).isFalse();

        assertThat(column(dialogId, "state")).isEqualTo("CLOSED");
        assertThat(column(dialogId, "appeal_type")).isEqualTo("SERVICE_REQUEST");
        assertThat(column(dialogId, "request_number")).isEqualTo(number);
        assertThat(column(dialogId, "service_due")).isEqualTo(due.toString());
        screenshot(console, "console-closed.png");
        screenshot(page, "widget-closed.png");
        assertNoScriptErrors(console);
        assertNoScriptErrors(page);
    }

    @Test
    void aDialogTheVisitorClosedIsClassifiedAfterwards() {
        Agent agent = Staff.agent(agents, "lab28", 5);
        WebDriver console = consoleOnline(agent);
        WebDriverWait consoleWait = waitFor(console);
        WebDriver page = browsers.open();
        WebDriverWait pageWait = waitFor(page);
        SearchContext widget = openWidget(page, pageWait, "lab28");
        String dialogId = visitorWrites(page, pageWait, widget, "Спасибо, всё понятно " + UUID.randomUUID());
        openDialogInConsole(console, consoleWait, dialogId);
        consoleWait.until(driver -> driver.findElement(By.id("reply")).isEnabled());

        // The visitor ends the dialog; the agent is asked for its appeal type.
        widget.findElement(By.cssSelector("[data-testid=close-dialog]")).click();
        By item = By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "']");
        consoleWait.until(driver -> "true".equals(driver.findElement(item).getDomAttribute("data-unclassified")));
        WebElement classify = consoleWait.until(visible(By.id("classify-dialog")));
        assertThat(console.findElement(By.id("close-dialog")).isEnabled()).isFalse();
        classify.click();
        consoleWait.until(visible(By.id("close-modal")));
        assertThat(console.findElement(By.id("close-modal-title")).getText()).isEqualTo("Классифицировать обращение");
        new Select(console.findElement(By.id("appeal-type"))).selectByValue("CONSULTATION");
        assertThat(console.findElement(By.id("request-number")).isDisplayed()).isFalse();
        console.findElement(By.id("close-submit")).click();

        consoleWait.until(driver -> !driver.findElement(By.id("classify-dialog")).isDisplayed());
        consoleWait.until(driver -> "false".equals(driver.findElement(item).getDomAttribute("data-unclassified")));
        assertThat(column(dialogId, "appeal_type")).isEqualTo("CONSULTATION");
        assertThat(column(dialogId, "request_number")).isNull();
        assertNoScriptErrors(console);
    }

    @Test
    void outsideWorkingHoursTheWidgetTakesTheOfflineForm() throws IOException {
        assumeTrue(!calendar.isOpen("lab26", Instant.now()), "not in lab26's one working minute");
        WebDriver page = browsers.open();
        WebDriverWait wait = waitFor(page);
        page.get(base() + "/demo/e2e-site.html?site=lab26");
        SearchContext widget = widgetOf(page, wait);
        wait.until(driver -> "Сейчас нерабочее время".equals(statusOf(widget)));
        widget.findElement(By.cssSelector("[data-testid=launcher]")).click();
        wait.until(driver -> widget.findElement(By.cssSelector("[data-testid=offline]")).isDisplayed());
        assertThat(widget.findElement(By.cssSelector("[data-testid=off-reason]")).getText())
                .contains("нерабочее время")
                .containsPattern("Специалисты ответят (сегодня|завтра|во? [а-я]+, \\d{1,2} [а-я]+,) с \\d\\d:\\d\\d\\.");

        // Nothing filled in: what the widget can tell by itself, next to each field.
        widget.findElement(By.cssSelector("[data-testid=off-submit]")).click();
        wait.until(driver -> !errorOf(widget, "name").isEmpty());
        assertThat(errorOf(widget, "consent")).isEqualTo("Нужно согласие на обработку персональных данных");
        assertThat(errorOf(widget, "email")).contains("эл. почту или телефон");
        assertThat(widget.findElement(By.cssSelector("[data-testid=off-name]")).getDomAttribute("aria-invalid"))
                .isEqualTo("true");

        // A malformed e-mail: the server's per-field error is shown next to the field.
        String question = "Как поступить на заочное отделение? " + UUID.randomUUID();
        widget.findElement(By.cssSelector("[data-testid=off-name]")).sendKeys("Иван Петров");
        WebElement email = widget.findElement(By.cssSelector("[data-testid=off-email]"));
        email.sendKeys("ivan@example");
        widget.findElement(By.cssSelector("[data-testid=off-question]")).sendKeys(question);
        widget.findElement(By.cssSelector("[data-testid=off-consent]")).click();
        widget.findElement(By.cssSelector("[data-testid=off-submit]")).click();
        wait.until(driver -> errorOf(widget, "email").equals("Неверный адрес электронной почты"));
        assertThat(email.getDomAttribute("aria-invalid")).isEqualTo("true");
        assertThat(errorOf(widget, "name")).isEmpty();
        assertThat(errorOf(widget, "consent")).isEmpty();
        assertThat(widget.findElement(By.cssSelector("[data-testid=off-error]")).getText())
                .isEqualTo("Исправьте отмеченные поля.");
        screenshot(page, "widget-offline-error.png");

        // Corrected: stored, confirmed.
        String address = "ivan." + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        email.clear();
        email.sendKeys(address);
        widget.findElement(By.cssSelector("[data-testid=off-submit]")).click();
        wait.until(driver -> widget.findElement(By.cssSelector("[data-testid=off-done]")).isDisplayed());
        assertThat(widget.findElement(By.cssSelector("[data-testid=off-done]")).getText())
                .contains("Спасибо! Вопрос отправлен");
        assertThat(widget.findElement(By.cssSelector("[data-testid=off-form]")).isDisplayed()).isFalse();
        screenshot(page, "widget-offline-done.png");

        List<Map<String, Object>> rows = db.sql("SELECT site_id, name, question, consent_at FROM offline_form WHERE email = :email")
                .bind("email", address)
                .fetch()
                .all()
                .collectList()
                .block(Duration.ofSeconds(10));
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).containsEntry("site_id", "lab26")
                .containsEntry("name", "Иван Петров")
                .containsEntry("question", question);
        assertThat(rows.get(0).get("consent_at")).isNotNull();
        assertNoScriptErrors(page);
    }

    @Test
    void anOfferIsAcceptedInTheConsole() throws IOException {
        Agent agent = Staff.agent(agents, "lab27", 5);
        WebDriver console = consoleOnline(agent);
        WebDriverWait consoleWait = waitFor(console);
        WebDriver page = browsers.open();
        WebDriverWait pageWait = waitFor(page);
        SearchContext widget = openWidget(page, pageWait, "lab27");
        String dialogId = visitorWrites(page, pageWait, widget, "Есть ли бюджетные места? " + UUID.randomUUID());

        By offer = By.cssSelector("#offers li[data-dialog-id='" + dialogId + "']");
        WebElement offered = consoleWait.until(visible(offer));
        assertThat(offered.findElement(By.cssSelector(".expires")).getText()).matches("осталось \\d+ с");
        assertThat(console.findElements(By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "']"))).isEmpty();
        screenshot(console, "console-offer.png");
        offered.findElement(By.cssSelector(".offer-accept")).click();

        By item = By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "']");
        consoleWait.until(driver -> !driver.findElements(item).isEmpty()
                && "ASSIGNED".equals(driver.findElement(item).getDomAttribute("data-state")));
        consoleWait.until(driver -> driver.findElements(offer).isEmpty());
        assertThat(console.findElement(By.id("offers-panel")).isDisplayed()).isFalse();
        console.findElement(By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "'] .dialog-open")).click();
        WebElement reply = consoleWait.until(driver -> {
            WebElement box = driver.findElement(By.id("reply"));
            return box.isEnabled() ? box : null;
        });
        String answer = "Да, есть. Подробности на https://www.rosdistant.ru/ " + UUID.randomUUID();
        reply.sendKeys(answer);
        console.findElement(By.id("send")).click();

        pageWait.until(driver -> ("Вам отвечает " + agent.displayName()).equals(statusOf(widget)));
        WebElement shown = pageWait.until(driver -> widget.findElements(By.cssSelector(".msg[data-from=agent]"))
                .stream()
                .filter(message -> message.getText().contains(answer))
                .findFirst()
                .orElse(null));
        WebElement link = shown.findElement(By.cssSelector("a"));
        assertThat(link.getDomAttribute("href")).isEqualTo("https://www.rosdistant.ru/");
        assertThat(link.getDomAttribute("rel")).isEqualTo("noopener noreferrer");
        assertThat(link.getDomAttribute("target")).isEqualTo("_blank");
        assertThat(column(dialogId, "agent_id")).isEqualTo(String.valueOf(agent.id()));
        screenshot(console, "console-offer-accepted.png");
        assertNoScriptErrors(console);
        assertNoScriptErrors(page);

        // Leave nothing open on the line.
        closeAsConsultation(console, consoleWait, dialogId);
    }

    @Test
    void anAgentForwardsTheDialogToAColleagueWithANote() throws IOException {
        Agent first = Staff.agent(agents, "lab31", 5);
        // The colleague serves another line (lab32, where no visitor writes), so routing never picks them on lab31.
        Agent colleague = Staff.agent(agents, "lab32", 5);
        WebDriver console = consoleOnline(first);
        WebDriverWait consoleWait = waitFor(console);
        WebDriver other = consoleOnline(colleague);
        WebDriverWait otherWait = waitFor(other);
        WebDriver page = browsers.open();
        WebDriverWait pageWait = waitFor(page);
        SearchContext widget = openWidget(page, pageWait, "lab31");
        String dialogId = visitorWrites(page, pageWait, widget, "Я студент, вопрос о сессии " + UUID.randomUUID());
        openDialogInConsole(console, consoleWait, dialogId);
        consoleWait.until(driver -> driver.findElement(By.id("forward-dialog")).isEnabled());

        console.findElement(By.id("forward-dialog")).click();
        consoleWait.until(visible(By.id("forward-modal")));
        // Sending without a choice is refused in the dialog.
        consoleWait.until(driver -> driver.findElement(By.id("forward-submit")).isEnabled());
        console.findElement(By.id("forward-submit")).click();
        consoleWait.until(driver -> driver.findElement(By.id("forward-error")).getText().equals("Выберите коллегу."));
        new Select(console.findElement(By.id("forward-agent"))).selectByValue(String.valueOf(colleague.id()));
        String note = "Студент, вопрос о пересдаче " + UUID.randomUUID();
        console.findElement(By.id("forward-note")).sendKeys(note);
        screenshot(console, "console-forward.png");
        console.findElement(By.id("forward-submit")).click();

        consoleWait.until(driver -> !driver.findElement(By.id("forward-modal")).isDisplayed());
        consoleWait.until(driver -> driver.findElement(By.id("notice")).getText()
                .contains("Диалог передан оператору " + colleague.displayName()));
        assertThat(console.findElement(By.id("reply")).isEnabled()).isFalse();

        // The colleague gets the dialog with the whole history and the note.
        openDialogInConsole(other, otherWait, dialogId);
        otherWait.until(driver -> driver.findElement(By.id("conv-meta")).getText()
                .contains("передан: " + first.displayName() + " — «" + note + "»"));
        otherWait.until(driver -> driver.findElements(By.cssSelector("#messages .msg[data-from=visitor]"))
                .stream()
                .anyMatch(message -> message.getText().contains("вопрос о сессии")));
        otherWait.until(driver -> driver.findElement(By.id("reply")).isEnabled());
        pageWait.until(driver -> ("Вам отвечает " + colleague.displayName()).equals(statusOf(widget)));
        assertThat(column(dialogId, "agent_id")).isEqualTo(String.valueOf(colleague.id()));
        screenshot(other, "console-forwarded.png");
        assertNoScriptErrors(console);
        assertNoScriptErrors(other);

        closeAsConsultation(other, otherWait, dialogId);
    }

    @Test
    void theTriagePanelListsMainSiteDialogsAndMarksSpam() throws IOException {
        // A supervisor with the dispatcher's role, serving lab32 (where no visitor writes) so that no dialog is routed to them.
        Agent dispatcher = Staff.agent(agents, "lab32", 5, Role.DISPATCHER, Role.SUPERVISOR);
        try (WsClient visitor = WsClient.visitor(port, "main", "https://www.rosdistant.ru")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\",\"name\":\"Спамер Тестовый\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();

            WebDriver console = consoleOnline(dispatcher);
            WebDriverWait wait = waitFor(console);
            wait.until(visible(By.id("triage-panel")));
            By row = By.cssSelector("#triage li[data-dialog-id='" + dialogId + "']");
            WebElement item = wait.until(visible(row));
            assertThat(item.findElement(By.cssSelector(".who")).getText()).isEqualTo("Спамер Тестовый");
            // the site's name, not its id, and the 10-minute countdown (or the rule, while the dialog is open)
            assertThat(item.findElement(By.cssSelector(".where")).getText()).startsWith("Росдистант");
            assertThat(item.findElement(By.cssSelector(".waited")).getText())
                    .matches("осталось \\d+:\\d\\d|10 мин на разбор.*|срок разбора истёк.*");
            assertThat(item.getDomAttribute("data-urgency")).isIn("ok", "soon", "overdue");
            screenshot(console, "console-triage.png");

            item.findElement(By.cssSelector(".triage-spam")).click();
            wait.until(driver -> {
                try {
                    driver.switchTo().alert().accept();
                    return true;
                }
                catch (org.openqa.selenium.NoAlertPresentException ex) {
                    return false;
                }
            });
            wait.until(driver -> driver.findElements(row).isEmpty());
            assertThat(console.findElement(By.id("triage-error")).getText()).isEmpty();
            assertThat(column(dialogId, "triage")).isEqualTo("SPAM");
            assertThat(column(dialogId, "state")).isEqualTo("CLOSED");
            assertNoScriptErrors(console);
        }
    }

    @Test
    void whileWaitingWithNobodyOnlineTheWidgetSaysSoAndKeepsThePlace() {
        WebDriver page = browsers.open();
        WebDriverWait wait = waitFor(page);
        SearchContext widget = openWidget(page, wait, "lab29");
        visitorWrites(page, wait, widget, "Есть кто-нибудь? " + UUID.randomUUID());
        // Nobody serves lab29: the dialog waits, first in line, and the widget says nobody is online (no estimate).
        wait.until(driver -> Long.valueOf(1).equals(js(driver, "return window.__state.queuePosition;")));
        assertThat(statusOf(widget)).isEqualTo("Сейчас нет специалистов в сети");
        widget.findElement(By.cssSelector("[data-testid=close-dialog]")).click();
        wait.until(driver -> !widget.findElement(By.cssSelector("[data-testid=close-dialog]")).isEnabled());
        assertNoScriptErrors(page);
    }

    // ------------------------------------------------------------------------------------------------

    private void closeAsConsultation(WebDriver console, WebDriverWait wait, String dialogId) {
        console.findElement(By.id("close-dialog")).click();
        wait.until(visible(By.id("close-modal")));
        new Select(console.findElement(By.id("appeal-type"))).selectByValue("CONSULTATION");
        console.findElement(By.id("close-submit")).click();
        wait.until(driver -> !driver.findElement(By.id("close-modal")).isDisplayed());
        wait.until(driver -> "CONSULTATION".equals(column(dialogId, "appeal_type")));
    }

    private WebDriver consoleOnline(Agent agent) {
        WebDriver console = browsers.open();
        WebDriverWait wait = waitFor(console);
        logInOnline(console, wait, agent.login());
        return console;
    }

    private SearchContext openWidget(WebDriver page, WebDriverWait wait, String site) {
        page.get(base() + "/demo/e2e-site.html?site=" + site);
        SearchContext widget = widgetOf(page, wait);
        js(page, "window.__dialogId = null; window.__state = {};"
                + " window.RosdistantChat.on('state', s => { window.__state = s; if (s.dialogId) window.__dialogId = s.dialogId; });");
        wait.until(driver -> Browsers.widgetIdle(statusOf(widget)));
        widget.findElement(By.cssSelector("[data-testid=launcher]")).click();
        wait.until(driver -> widget.findElement(By.cssSelector("[data-testid=input]")).isDisplayed());
        return widget;
    }

    private String visitorWrites(WebDriver page, WebDriverWait wait, SearchContext widget, String text) {
        widget.findElement(By.cssSelector("[data-testid=input]")).sendKeys(text);
        widget.findElement(By.cssSelector("[data-testid=send]")).click();
        wait.until(driver -> widget.findElements(By.cssSelector(".msg[data-from=visitor][data-state=sent]"))
                .stream()
                .anyMatch(message -> message.getText().contains(text)));
        return wait.until(driver -> (String) js(driver, "return window.__dialogId;"));
    }

    private static void openDialogInConsole(WebDriver console, WebDriverWait wait, String dialogId) {
        By item = By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "'] .dialog-open");
        wait.until(visible(item)).click();
    }

    private String column(String dialogId, String column) {
        return db.sql("SELECT " + column + "::text AS v FROM dialog WHERE id = '" + dialogId + "'")
                .map(row -> java.util.Optional.ofNullable(row.get("v", String.class)))
                .one()
                .block(Duration.ofSeconds(10))
                .orElse(null);
    }

    private static SearchContext widgetOf(WebDriver page, WebDriverWait wait) {
        return wait.until(driver -> {
            List<WebElement> found = driver.findElements(By.id("rosdistant-chat"));
            return found.isEmpty() ? null : found.get(0);
        }).getShadowRoot();
    }

    private static String statusOf(SearchContext widget) {
        return widget.findElement(By.cssSelector("[data-testid=status]")).getDomProperty("textContent");
    }

    private static String errorOf(SearchContext widget, String field) {
        return widget.findElement(By.cssSelector("[data-testid=err-" + field + "]")).getDomProperty("textContent");
    }
}
