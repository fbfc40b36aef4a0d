package ru.rosdistant.gateway.mail;

import java.util.Arrays;
import java.util.List;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * GreenMail on the SMTP port the gateway was configured with. The test profile picks that port at random
 * (two test runs on one machine must not fight over a fixed one), so it is read back from the
 * {@link JavaMailSender}; that is why the server is started here rather than by GreenMailExtension, which
 * needs its port before the Spring context exists.
 */
public final class TestSmtp {

    private static GreenMail server;

    private TestSmtp() {
    }

    /** Starts the server unless it runs already. */
    public static synchronized GreenMail start(JavaMailSender sender) {
        if (server == null) {
            JavaMailSenderImpl configured = (JavaMailSenderImpl) sender;
            server = new GreenMail(new ServerSetup(configured.getPort(), configured.getHost(),
                    ServerSetup.PROTOCOL_SMTP));
            server.start();
        }
        return server;
    }

    public static synchronized void stop() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** The messages received so far whose subject contains the marker. */
    public static synchronized List<MimeMessage> received(String marker) {
        if (server == null) {
            return List.of();
        }
        return Arrays.stream(server.getReceivedMessages())
                .filter(message -> subject(message).contains(marker))
                .toList();
    }

    private static String subject(MimeMessage message) {
        try {
            return String.valueOf(message.getSubject());
        }
        catch (MessagingException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
