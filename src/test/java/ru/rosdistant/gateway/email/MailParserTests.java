package ru.rosdistant.gateway.email;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MailParserTests {

    private final MailParser parser = new MailParser(16 * 1024 * 1024, 20);

    @Test
    void htmlOnlyMailIsShownAsTextWithItsQuotedHistoryFolded() throws Exception {
        String raw = "From: =?UTF-8?Q?=D0=90=D0=BD=D0=BD=D0=B0?= <anna@example.org>\r\nTo: info@rosdistant.ru\r\n"
                + "Message-ID: <h1@example.org>\r\nSubject: =?UTF-8?B?0JLQvtC/0YDQvtGB?=\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/html; charset=UTF-8\r\n\r\n"
                + "<html><head><style>p{}</style></head><body><p>Здравствуйте!</p><div>Где <b>расписание</b>?"
                + "<br>Спасибо</div><script>alert(1)</script>"
                + "<blockquote type=\"cite\">старое письмо</blockquote></body></html>\r\n";
        ParsedMail mail = parser.parse(raw.getBytes(StandardCharsets.UTF_8));
        assertThat(mail.fromName()).isEqualTo("Анна");
        assertThat(mail.subject()).isEqualTo("Вопрос");
        assertThat(mail.text()).isEqualTo("Здравствуйте!\nГде расписание?\nСпасибо\n\n" + MailParser.FOLDED);
        assertThat(mail.autoReason()).isNull();
    }

    @Test
    void aMailWithFiveHundredAttachmentsKeepsTheFirstTwentyAndSaysHowManyStayedInTheOriginal() throws Exception {
        StringBuilder raw = new StringBuilder("From: bomb@example.org\r\nTo: info@rosdistant.ru\r\n"
                + "Message-ID: <a500@example.org>\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                + "--b\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nВо вложении\r\n");
        for (int i = 0; i < 500; i++) {
            raw.append("--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"f")
                    .append(i).append(".bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n");
        }
        raw.append("--b--\r\n");
        ParsedMail mail = parser.parse(raw.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(mail.attachments()).hasSize(20);
        assertThat(mail.attachments().get(19).name()).isEqualTo("f19.bin");
        assertThat(mail.text()).startsWith("Во вложении").contains("Ещё вложений: 480");
    }

    @Test
    void aMailNestedTwentyThousandMultipartsDeepIsRefusedAsUnreadableNotAStackOverflow() {
        int depth = 20_000;
        StringBuilder raw = new StringBuilder("From: nest@example.org\r\nTo: info@rosdistant.ru\r\n"
                + "Message-ID: <nest@example.org>\r\nSubject: nest\r\nMIME-Version: 1.0\r\n");
        for (int i = 0; i < depth; i++) {
            raw.append("Content-Type: multipart/mixed; boundary=\"b").append(i).append("\"\r\n\r\n--b").append(i)
                    .append("\r\n");
        }
        raw.append("Content-Type: text/plain\r\n\r\nhi\r\n");
        for (int i = depth - 1; i >= 0; i--) {
            raw.append("--b").append(i).append("--\r\n");
        }
        assertThatThrownBy(() -> parser.parse(raw.toString().getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(jakarta.mail.MessagingException.class)
                .hasMessageContaining("nested");
    }

    @Test
    void quotedHistoryAfterAnAttributionLineIsFolded() {
        assertThat(MailParser.fold("Спасибо, понятно.\n\nПн, 1 июня 2026 г. в 10:00, Иван <i@x.ru> пишет:\n> старое\n"))
                .isEqualTo("Спасибо, понятно.\n\n" + MailParser.FOLDED);
        assertThat(MailParser.fold("Ответ\n\n> цитата\n> ещё")).isEqualTo("Ответ\n\n" + MailParser.FOLDED);
        assertThat(MailParser.fold("Без цитаты\n> но с угловой скобкой в середине\nи текстом после"))
                .isEqualTo("Без цитаты\n> но с угловой скобкой в середине\nи текстом после");
    }

    @Test
    void aMailboxWhoseSecretIsNotSetIsOff() {
        var on = EmailSettings.mailbox("abiturient", "EMAIL_ON_PASSWORD", "applicant", "applicant-recruitment");
        var off = EmailSettings.mailbox("info", "EMAIL_OFF_PASSWORD", "main", "dispatcher");
        var properties = EmailSettings.properties(on, off);
        var channel = new EmailChannel(properties, new MockEnvironment().withProperty("EMAIL_ON_PASSWORD", "pw"));
        assertThat(channel.open()).extracting(mailbox -> mailbox.config().id()).containsExactly("abiturient");
        assertThat(channel.tokens().enabled()).isFalse();
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void theStartLogSaysWhichMailboxIsOffAndWhichVariableIsMissing(CapturedOutput output) {
        var off = EmailSettings.mailbox("lab377", "EMAIL_LAB377_PASSWORD", "main", "lab377");
        var on = EmailSettings.mailbox("lab378", "EMAIL_LAB378_PASSWORD", "main", "lab378");
        var properties = EmailSettings.properties(off, on);
        new EmailChannel(properties, new MockEnvironment().withProperty("EMAIL_LAB378_PASSWORD", "s3cr3t-lab378")
                .withProperty("EMAIL_REPLY_SECRET", "s"));
        assertThat(output.getAll())
                .contains("Mailbox 'lab377' (lab377@rosdistant.ru) is off: EMAIL_LAB377_PASSWORD not set")
                .contains("Mailbox 'lab378' (lab378@rosdistant.ru) is read from imap.example.org:993 folder INBOX "
                        + "for line lab378")
                .doesNotContain("'lab378' (lab378@rosdistant.ru) is off")
                .doesNotContain("s3cr3t-lab378");
    }

    @Test
    void aReplyAddressNamesItsDialogOnlyWithTheRightSignature() {
        var tokens = new ReplyTokens("key");
        var dialog = java.util.UUID.randomUUID();
        String address = tokens.replyAddress("abiturient", "rosdistant.ru", dialog);
        assertThat(tokens.dialogOf(address)).contains(dialog);
        assertThat(tokens.dialogOf(address.replaceFirst("\\.[0-9a-f]{16}@", ".0123456789abcdef@"))).isEmpty();
        assertThat(new ReplyTokens("other").dialogOf(address)).isEmpty();
    }
}
