package ru.rosdistant.gateway.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.junit.jupiter.api.RepeatedTest;

import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A keep-alive connection goes on being read after a request that arrived while the one before it was still
 * finishing (Reactor Netty buffers such a request and, up to 1.3.7, stopped reading the connection when that
 * buffered request was answered at once: reactor/reactor-netty#4361). The client sends two requests in one write,
 * the first answered after a database read, the second at once; both answers come; then a third request on the
 * same connection must be answered too, not left unread in the socket until the client gives up.
 */
@GatewayTest
class KeepAliveReadTests {

    @LocalServerPort
    int port;

    @RepeatedTest(20)
    void aConnectionIsReadAgainAfterABufferedRequestWasAnsweredAtOnce() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // the readiness check reads the database; an anonymous /api/me is refused without any I/O
            out.write((request("GET", "/actuator/health/readiness") + request("GET", "/api/me"))
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 401");
            out.write(request("GET", "/api/me").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String third;
            try {
                third = readResponse(in);
            }
            catch (SocketTimeoutException unanswered) {
                third = "no answer within 10 s";
            }
            assertThat(third).as("the third request on the connection").startsWith("HTTP/1.1 401");
        }
    }

    private String request(String method, String path) {
        return method + " " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n\r\n";
    }

    /** One response: its head, and its body read by Content-Length or chunks (not kept). */
    private static String readResponse(InputStream in) throws IOException {
        String head = readHead(in);
        String lower = head.toLowerCase(Locale.ROOT);
        int length = lower.indexOf("\ncontent-length:");
        if (length >= 0) {
            int end = lower.indexOf('\r', length + 1);
            int size = Integer.parseInt(lower.substring(length + "\ncontent-length:".length(), end).trim());
            in.readNBytes(size);
        }
        else if (lower.contains("\ntransfer-encoding: chunked")) {
            while (true) {
                int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
                in.readNBytes(size);
                readLine(in);
                if (size == 0) {
                    break;
                }
            }
        }
        return head;
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            head.append(line).append("\r\n");
        }
        return head.toString();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("Connection closed after: " + line.toString(StandardCharsets.ISO_8859_1));
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
