package ru.rosdistant.gateway.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.js;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;

/**
 * A dropped connection in a real browser: the widget's messages written while the network is gone, or whose
 * acknowledgement was lost with the connection, show as "sending" and are stored and delivered exactly once
 * when the network is back. The network is cut with Chromium's own offline emulation (DevTools protocol);
 * a lost acknowledgement is made by a test hook that stops the page from hearing its socket, as a
 * half-dead connection would. Site and line lab51 (application-test.yml).
 */
class WidgetReconnectBrowserTests extends BrowserTest {

    private static final String SITE = "lab51";

    /** Test hook: while window.__deaf is true the page's sockets deliver nothing to the widget. */
    private static final String DEAF_SOCKETS = """
            (() => {
              const Wrapped = window.WebSocket, sockets = window.__sockets = [];
              window.__deaf = false;
              window.WebSocket = function (url, protocols) {
                const socket = protocols === undefined ? new Wrapped(url) : new Wrapped(url, protocols);
                socket.addEventListener('message', event => { if (window.__deaf) event.stopImmediatePropagation(); });
                sockets.push(socket);
                return socket;
              };
              window.WebSocket.prototype = Wrapped.prototype;
              Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
            })();""";

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void messagesWrittenDuringADropArriveOnceWhenTheNetworkIsBack() {
        Agent agent = Staff.agent(agents, SITE, 5);
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String first = "Первое сообщение " + marker;
        String unacknowledged = "Ответ на это потерялся " + marker;
        String offline = "Написано без сети " + marker;
        try (WsClient console = Staff.online(port, agent)) {
            ChromeDriver page = (ChromeDriver) browsers.open();
            page.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", DEAF_SOCKETS));
            page.executeCdpCommand("Network.enable", Map.of());
            WebDriverWait wait = waitFor(page);
            page.get("http://localhost:" + port + "/demo/e2e-site.html?site=" + SITE);
            SearchContext widget = wait.until(driver -> {
                List<WebElement> found = driver.findElements(By.id("rosdistant-chat"));
                return found.isEmpty() ? null : found.get(0);
            }).getShadowRoot();
            js(page, "window.__dialogId = null; window.RosdistantChat.on('state', s => { if (s.dialogId) window.__dialogId = s.dialogId; });");
            wait.until(driver -> Browsers.widgetIdle(status(widget)));
            js(page, "window.RosdistantChat.open();");
            WebElement input = wait.until(driver -> widget.findElement(By.cssSelector("[data-testid=input]")));
            input.sendKeys(first, Keys.ENTER);
            wait.until(driver -> own(widget, first, "sent").size() == 1);
            String dialogId = (String) js(page, "return window.__dialogId;");
            console.await(frame -> "dialog".equals(frame.path("type").asString())
                    && dialogId.equals(frame.path("dialog").path("dialogId").asString()), "the dialog");
            console.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            console.await(frame -> "resumed".equals(frame.path("type").asString()), "resumed");

            // The connection goes half-dead: the message reaches the server, its acknowledgement never the page.
            js(page, "window.__deaf = true;");
            input.sendKeys(unacknowledged, Keys.ENTER);
            JsonNode delivered = console.await(frame -> "message".equals(frame.path("type").asString())
                    && unacknowledged.equals(frame.path("text").asString()), "the unacknowledged message at the agent");
            assertThat(count(dialogId, unacknowledged)).isEqualTo(1);
            assertThat(own(widget, unacknowledged, "sending")).hasSize(1);

            // Then the network goes: the socket closes, reconnecting fails, the widget says so.
            network(page, false);
            js(page, "window.__deaf = false; window.__sockets.forEach(s => s.close());");
            wait.until(driver -> "Нет связи, переподключаемся…".equals(status(widget)));
            input.sendKeys(offline, Keys.ENTER);
            WebElement pending = own(widget, offline, "sending").get(0);
            assertThat(pending.findElement(By.cssSelector(".meta")).getText()).contains("отправляется…");
            assertThat(count(dialogId, offline)).isZero();

            // Back online: both go out again with their own client ids and are stored and shown once each.
            network(page, true);
            wait.until(driver -> own(widget, unacknowledged, "sent").size() == 1 && own(widget, offline, "sent").size() == 1);
            wait.until(driver -> ("Вам отвечает " + agent.displayName()).equals(status(widget)));
            assertThat(count(dialogId, unacknowledged)).isEqualTo(1);
            assertThat(count(dialogId, offline)).isEqualTo(1);
            assertThat(widget.findElements(By.cssSelector(".msg[data-from=visitor]"))).hasSize(3);
            // Whether the replay after resume already carried it or it was sent again, it always went with
            // the one clientMsgId the server stored it under.
            assertThat(sentFrames(page, unacknowledged)).isNotEmpty()
                    .allMatch(frame -> frame.contains(delivered.path("clientMsgId").asString()));
            assertThat(sentFrames(page, offline)).isNotEmpty();

            // The agent got each message exactly once.
            console.await(frame -> "message".equals(frame.path("type").asString())
                    && offline.equals(frame.path("text").asString()), "the offline message at the agent");
            console.drain(Duration.ofSeconds(1));
            assertThat(console.seen().stream()
                    .filter(frame -> "message".equals(frame.path("type").asString()))
                    .map(frame -> frame.path("text").asString())
                    .filter(text -> text.equals(unacknowledged) || text.equals(offline)))
                    .containsExactly(unacknowledged, offline);

            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "CONSULTATION"));
            wait.until(driver -> "Диалог завершён. Напишите, чтобы начать новый".equals(status(widget)));
            assertNoScriptErrors(page);
        }
    }

    private static void network(ChromeDriver page, boolean online) {
        page.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", !online, "latency", 0,
                "downloadThroughput", -1, "uploadThroughput", -1));
    }

    private int count(String dialogId, String text) {
        return Integer.parseInt(Checks.text(db, "SELECT count(*)::text AS v FROM message WHERE dialog_id = '" + dialogId
                + "' AND body = '" + text + "'"));
    }

    /** The visitor's own messages on screen with this text in this state (sent, sending). */
    private static List<WebElement> own(SearchContext widget, String text, String state) {
        return widget.findElements(By.cssSelector(".msg[data-from=visitor][data-state=" + state + "]"))
                .stream()
                .filter(message -> message.findElement(By.cssSelector(".text")).getDomProperty("textContent").equals(text))
                .toList();
    }

    /** The message frames with this text the page sent, as the frame recorder of {@link Browsers} saw them. */
    @SuppressWarnings("unchecked")
    private static List<String> sentFrames(WebDriver page, String text) {
        return ((List<String>) js(page, "return window.__wsLog;")).stream()
                .filter(line -> line.contains(" > ") && line.contains("\"type\":\"message\"") && line.contains(text))
                .toList();
    }

    private static String status(SearchContext widget) {
        return widget.findElement(By.cssSelector("[data-testid=status]")).getDomProperty("textContent");
    }
}
