package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.js;
import static ru.rosdistant.gateway.e2e.Browsers.screenshot;
import static ru.rosdistant.gateway.e2e.Browsers.visible;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;

/**
 * A visitor attaches a file in the widget and the agent downloads it from the console, in the system's
 * headless Chromium; a file over 16 MB is refused in the widget before any upload. Site and line lab53.
 */
class AttachmentBrowserTests extends BrowserTest {

    private static final String SITE = "lab53";

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    private Path dir;

    @Override
    @AfterEach
    void closeBrowsers() throws IOException {
        super.closeBrowsers();
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void theVisitorAttachesAFileTheAgentDownloadsItAndATooLargeOneIsRefused() throws Exception {
        dir = Files.createTempDirectory("gateway-e2e-files-");
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String name = "<img src=x onerror=window.pwned=1> справка " + marker + ".txt";
        String content = "Справка об обучении " + marker;
        Path small = Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
        Path big = dir.resolve("scan " + marker + ".tiff");
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(16L * 1024 * 1024 + 1);
        }

        Agent agent = Staff.agent(agents, SITE, 5);
        WebDriver console = browsers.open();
        WebDriverWait consoleWait = waitFor(console);
        logInOnline(console, consoleWait, agent.login());

        WebDriver page = browsers.open();
        WebDriverWait wait = waitFor(page);
        page.get(base() + "/demo/e2e-site.html?site=" + SITE);
        SearchContext widget = wait.until(driver -> {
            List<WebElement> found = driver.findElements(By.id("rosdistant-chat"));
            return found.isEmpty() ? null : found.get(0);
        }).getShadowRoot();
        js(page, "window.__dialogId = null; window.RosdistantChat.on('state', s => { if (s.dialogId) window.__dialogId = s.dialogId; });");
        js(page, "window.RosdistantChat.open();");
        WebElement attach = wait.until(driver -> widget.findElement(By.cssSelector("[data-testid=attach]")));
        assertThat(attach.getDomAttribute("aria-label")).isEqualTo("Прикрепить файл (до 16 МБ)");
        assertThat(attach.isEnabled()).as("no dialog to attach to yet").isFalse();
        widget.findElement(By.cssSelector("[data-testid=input]")).sendKeys("Отправляю справку " + marker, Keys.ENTER);
        String dialogId = wait.until(driver -> (String) js(driver, "return window.__dialogId;"));
        wait.until(driver -> attach.isEnabled());

        // A file within the limit: sent, shown by its name (as text), with a download link.
        widget.findElement(By.cssSelector("[data-testid=file]")).sendKeys(small.toString());
        WebElement own = wait.until(driver -> widget.findElements(By.cssSelector(".msg[data-from=visitor][data-state=sent]"))
                .stream()
                .filter(message -> message.getDomProperty("textContent").contains("Файл: " + name))
                .findFirst()
                .orElse(null));
        assertThat(own.findElement(By.cssSelector("a.dl")).getDomProperty("textContent")).isEqualTo("Скачать: " + name);
        assertThat(own.findElements(By.cssSelector("img"))).isEmpty();
        // stored in the file store (not in the row), under the checksum of what the visitor picked
        assertThat(Checks.text(db, "SELECT sha256 AS v FROM visitor_file WHERE dialog_id = '" + dialogId
                + "' AND content IS NULL AND storage_key IS NOT NULL"))
                .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(content.getBytes(StandardCharsets.UTF_8))));
        // The page itself can fetch it back with the visitor's token, as the download link does.
        Object fetched = ((JavascriptExecutor) page).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const token = localStorage.getItem('rosdistant-chat:lab53:token');
                const cid = arguments[1];
                fetch('/api/widget/files?' + new URLSearchParams({site: 'lab53', dialogId: arguments[0], clientMsgId: cid}),
                      {headers: {Authorization: 'Bearer ' + token}}).then(r => r.text()).then(done, e => done('error ' + e));""",
                dialogId, Checks.text(db, "SELECT client_msg_id AS v FROM visitor_file WHERE dialog_id = '" + dialogId + "'"));
        assertThat(fetched).isEqualTo(content);

        // Over 16 MB: refused in the widget, with the reason, and nothing uploaded.
        widget.findElement(By.cssSelector("[data-testid=file]")).sendKeys(big.toString());
        WebElement refused = wait.until(driver -> widget.findElements(By.cssSelector(".msg[data-from=visitor][data-state=failed]"))
                .stream()
                .findFirst()
                .orElse(null));
        assertThat(refused.getDomProperty("textContent")).contains("scan " + marker + ".tiff")
                .contains("не отправлено: файл больше 16 МБ, пришлите ссылку на него");
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM visitor_file WHERE dialog_id = '" + dialogId + "'"))
                .isEqualTo("1");
        screenshot(page, "widget-attachment.png");

        // The agent sees the file's message with a download link that works with the console's login.
        consoleWait.until(visible(By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "'] .dialog-open"))).click();
        WebElement link = consoleWait.until(visible(By.cssSelector("#messages .msg[data-from=visitor] a.file")));
        assertThat(link.getText()).isEqualTo("Скачать файл: " + name);
        assertThat(console.findElements(By.cssSelector("#messages img"))).isEmpty();
        assertThat(js(console, "return typeof window.pwned;")).isEqualTo("undefined");
        Object staffFetched = ((JavascriptExecutor) console).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch(arguments[0]).then(r => r.text()).then(done, e => done('error ' + e));""", link.getDomAttribute("href"));
        assertThat(staffFetched).isEqualTo(content);
        screenshot(console, "console-attachment.png");

        widget.findElement(By.cssSelector("[data-testid=close-dialog]")).click();
        wait.until(driver -> !attach.isEnabled());
        assertNoScriptErrors(console);
        assertNoScriptErrors(page);
    }
}
