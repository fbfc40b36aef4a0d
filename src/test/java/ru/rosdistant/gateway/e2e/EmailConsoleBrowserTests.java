package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.email.TestMailboxes;
import ru.rosdistant.gateway.mail.TestSmtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.screenshot;
import static ru.rosdistant.gateway.e2e.Browsers.visible;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;

/**
 * A mail in a GreenMail IMAP mailbox reaches the console's e-mail panel; the agent takes it, answers in the
 * console, and the answer leaves by SMTP in the mail's thread. Line lab376 is this class's own.
 */
class EmailConsoleBrowserTests extends BrowserTest {

    @Autowired
    ApplicationContext context;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    JavaMailSender sender;

    private TestMailboxes mailboxes;

    @BeforeEach
    void servers() {
        TestSmtp.start(sender);
        mailboxes = new TestMailboxes(context);
    }

    @AfterEach
    void stopImap() {
        mailboxes.close();
    }

    @Test
    void theAgentTakesAMailFromTheLinesListAndTheAnswerLeavesByMailInItsThread() throws Exception {
        String address = mailboxes.open("lab376", "main", "lab376");
        String marker = UUID.randomUUID().toString().substring(0, 6);
        String question = TestMailboxes.messageId();
        String subject = "Перевод на другой факультет " + marker;
        mailboxes.deliver("lab376", TestMailboxes.mail("Анна Смирнова <anna376@example.org>", address, question,
                subject, "Здравствуйте! Можно ли перевестись с экономики на юриспруденцию?"));
        assertThat(mailboxes.read("lab376")).isEqualTo(1);
        String dialogId = Checks.eventually(() -> Checks.text(db, "SELECT dialog_id::text AS v FROM email_message "
                + "WHERE message_id = '" + question + "' AND dialog_id IS NOT NULL"), "the mail's dialog");

        Agent agent = Staff.agent(agents, "lab376", 1);
        WebDriver console = browsers.open();
        WebDriverWait wait = waitFor(console);
        logIn(console, wait, agent.login());

        // the line's e-mail panel: sender, subject, waiting time
        WebElement item = wait.until(visible(By.cssSelector("#email-list li[data-dialog-id='" + dialogId + "']")));
        assertThat(item.findElement(By.cssSelector(".who")).getText()).isEqualTo("anna376@example.org");
        assertThat(item.findElement(By.cssSelector(".subject")).getText()).isEqualTo(subject);
        assertThat(item.findElement(By.cssSelector(".waited")).getText()).startsWith("ждёт");
        assertThat(console.findElement(By.id("email-failed-box")).isDisplayed()).as("failed mails: supervisors only")
                .isFalse();
        screenshot(console, "console-email-list.png");

        // take: the dialog opens in the console and leaves the list
        item.findElement(By.cssSelector("button.email-take")).click();
        wait.until(driver -> driver.findElement(By.id("reply")).isEnabled());
        wait.until(driver -> driver.findElement(By.id("messages")).getText().contains("перевестись с экономики"));
        assertThat(console.findElement(By.id("conv-title")).getText()).isEqualTo("Анна Смирнова · Эл. почта · Росдистант");
        assertThat(console.findElement(By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "']")).isDisplayed())
                .isTrue();
        wait.until(driver -> driver.findElements(By.cssSelector("#email-list li[data-dialog-id='" + dialogId + "']"))
                .isEmpty());

        // a file for the answer: picked with «Файлы», uploaded under the answer's client id before it goes
        Path file = Files.createTempDirectory("console-email").resolve("Заявление.txt");
        Files.writeString(file, "Образец заявления " + marker);
        assertThat(console.findElement(By.id("attach-button")).isDisplayed()).isTrue();
        console.findElement(By.id("attach-input")).sendKeys(file.toString());
        wait.until(driver -> driver.findElement(By.id("reply-files")).getText().contains("Заявление.txt"));

        String answer = "Да, перевод возможен после сессии. Напишите заявление в деканат. " + marker;
        console.findElement(By.id("reply")).sendKeys(answer);
        console.findElement(By.id("send")).click();
        wait.until(driver -> driver.findElement(By.id("messages")).getText().contains(answer));
        // the history lists the file under the answer, with its size, as a download link (the list is drawn again
        // when the answer's files arrive, so a link found may be replaced before it is read: look again)
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(driver -> driver.findElements(By.cssSelector("#messages .answer-files a")).stream()
                .anyMatch(link -> link.getText().startsWith("Заявление.txt (")
                        && link.getAttribute("href").contains("/api/email/reply-files/")));
        assertThat(console.findElement(By.id("reply-files")).isDisplayed()).as("no files left picked").isFalse();
        screenshot(console, "console-email-dialog.png");

        // the answer leaves by mail, threaded under the person's mail
        String tag = "[#" + dialogId.substring(0, 8) + "]";
        await().atMost(Duration.ofSeconds(30)).until(() -> !TestSmtp.received(tag).isEmpty());
        MimeMessage reply = TestSmtp.received(tag).get(0);
        assertThat(reply.getHeader("In-Reply-To")).containsExactly(question);
        assertThat(reply.getAllRecipients()[0].toString()).isEqualTo("anna376@example.org");
        assertThat(reply.getSubject()).isEqualTo("Re: " + subject + " " + tag);
        Multipart parts = (Multipart) reply.getContent();
        assertThat((String) parts.getBodyPart(0).getContent()).contains(answer);
        assertThat(MimeUtility.decodeText(parts.getBodyPart(1).getFileName())).isEqualTo("Заявление.txt");
        assertNoScriptErrors(console);
    }
}
