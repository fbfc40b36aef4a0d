package ru.rosdistant.gateway.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.mail.TestSmtp;
import ru.rosdistant.gateway.site.WorkingCalendar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.js;
import static ru.rosdistant.gateway.e2e.Browsers.screenshot;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;

/**
 * The offline form filled in and sent with the keyboard alone in the system's headless Chromium, and its
 * mail received by a real SMTP server (GreenMail). Site and line lab50, closed at (almost) any hour
 * (application-test.yml), so the widget offers the form at once.
 */
class OfflineFormBrowserTests extends BrowserTest {

    private static final String SITE = "lab50";

    @Autowired
    JavaMailSender mail;

    @Autowired
    DatabaseClient db;

    @Autowired
    WorkingCalendar calendar;

    @Test
    void aKeyboardUserSendsTheOfflineFormAndTheSitesMailboxGetsIt() throws Exception {
        assumeTrue(!calendar.isOpen(SITE, Instant.now()), "not in lab50's one working minute");
        TestSmtp.start(mail);
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String name = "Ольга Клавиатурная " + marker;
        String email = "olga." + marker + "@example.com";
        String question = "Можно ли перевестись на заочное обучение? " + marker;

        WebDriver page = browsers.open();
        WebDriverWait wait = waitFor(page);
        page.get("http://localhost:" + port + "/demo/e2e-site.html?site=" + SITE);
        SearchContext widget = wait.until(driver -> {
            List<WebElement> found = driver.findElements(By.id("rosdistant-chat"));
            return found.isEmpty() ? null : found.get(0);
        }).getShadowRoot();
        wait.until(driver -> "Сейчас нерабочее время".equals(widget.findElement(By.cssSelector("[data-testid=status]"))
                .getDomProperty("textContent")));

        // Tab to the launcher, Enter: the form has the panel and its first field has the focus.
        for (int i = 0; i < 20 && !"launcher".equals(focused(page)); i++) {
            new Actions(page).sendKeys(Keys.TAB).perform();
        }
        assertThat(focused(page)).isEqualTo("launcher");
        new Actions(page).sendKeys(Keys.ENTER).perform();
        wait.until(driver -> widget.findElement(By.cssSelector("[data-testid=offline]")).isDisplayed());
        wait.until(driver -> "off-name".equals(focused(driver)));

        // Sent empty with Enter: the errors are announced and the focus goes to the first wrong field.
        new Actions(page).sendKeys(Keys.ENTER).perform();
        wait.until(driver -> !widget.findElement(By.cssSelector("[data-testid=err-name]")).getText().isEmpty());
        assertThat(widget.findElement(By.cssSelector("[data-testid=err-name]")).getDomAttribute("aria-live"))
                .isEqualTo("polite");
        assertThat(widget.findElement(By.cssSelector("[data-testid=off-error]")).getDomAttribute("role"))
                .isEqualTo("alert");
        assertThat(focused(page)).isEqualTo("off-name");

        // Field by field with Tab; Space ticks the consent; Tab to the button and Enter.
        new Actions(page).sendKeys(name).sendKeys(Keys.TAB).perform();
        assertThat(focused(page)).isEqualTo("off-email");
        new Actions(page).sendKeys(email).sendKeys(Keys.TAB).perform();
        assertThat(focused(page)).isEqualTo("off-phone");
        new Actions(page).sendKeys(Keys.TAB).perform();
        assertThat(focused(page)).isEqualTo("off-question");
        new Actions(page).sendKeys(question).sendKeys(Keys.TAB).perform();
        assertThat(focused(page)).isEqualTo("off-consent");
        new Actions(page).sendKeys(Keys.SPACE).perform();
        assertThat(widget.findElement(By.cssSelector("[data-testid=off-consent]")).isSelected()).isTrue();
        new Actions(page).sendKeys(Keys.TAB).perform();
        assertThat(focused(page)).isEqualTo("off-submit");
        new Actions(page).sendKeys(Keys.ENTER).perform();

        // Confirmed, and the confirmation takes the focus so that it is read out.
        wait.until(driver -> widget.findElement(By.cssSelector("[data-testid=off-done]")).isDisplayed());
        wait.until(driver -> "off-done".equals(focused(driver)));
        assertThat(widget.findElement(By.cssSelector("[data-testid=off-done]")).getText())
                .contains("Спасибо! Вопрос отправлен");
        screenshot(page, "widget-offline-done-keyboard.png");

        // Stored once, and mailed once to the site's mailbox with the question as text.
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM offline_form WHERE email = '" + email + "'"))
                .isEqualTo("1");
        await().atMost(Duration.ofSeconds(30)).until(() -> !TestSmtp.received(marker).isEmpty());
        Thread.sleep(1000);
        List<MimeMessage> messages = TestSmtp.received(marker);
        assertThat(messages).hasSize(1);
        MimeMessage message = messages.get(0);
        assertThat(message.getAllRecipients()).extracting(Object::toString).containsExactly("lab50@test");
        assertThat(message.getSubject()).isEqualTo("[Lab 50] Вопрос с сайта: " + name);
        assertThat(String.valueOf(message.getContent())).contains("Имя: " + name)
                .contains("E-mail: " + email)
                .contains(question);
        assertThat(message.getReplyTo()).extracting(Object::toString).containsExactly(email);
        assertNoScriptErrors(page);
    }

    /** The data-testid of the element focused inside the widget, or null when the focus is elsewhere. */
    private static String focused(WebDriver page) {
        return (String) js(page, """
                const active = document.activeElement;
                if (!active || active.id !== 'rosdistant-chat') return null;
                const inner = active.shadowRoot.activeElement;
                return inner ? inner.getAttribute('data-testid') : null;""");
    }
}
