package ru.rosdistant.gateway.drill;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A WebSocket client on a plain {@link Socket}, with a tiny receive buffer, that reads only when told to: a
 * client that stops reading, as a browser tab on a dead network or a stuck script would. Frames from the
 * server are unmasked and not fragmented (Reactor Netty sends each as one frame).
 */
final class RawSocket implements AutoCloseable {

    private static final JsonMapper json = JsonMapper.builder().build();

    private static final SecureRandom random = new SecureRandom();

    private final Socket socket;

    private final DataInputStream in;

    private final OutputStream out;

    /** The close code the server sent, once a close frame was read; -1 for none (yet). */
    private int closeCode = -1;

    private long bytesRead;

    /** The frames {@link #awaitType} passed over on its way. */
    private final java.util.List<JsonNode> skipped = new java.util.ArrayList<>();

    private RawSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Opens the socket with the given handshake headers (Origin, Cookie, …) and reads the 101. */
    static RawSocket open(int port, String path, Map<String, String> headers) throws IOException {
        return open(port, path, headers, null);
    }

    /** The same, from a local address of its own ({@code 127.0.0.5}: any of 127.0.0.0/8 reaches the gateway). */
    static RawSocket open(int port, String path, Map<String, String> headers, String from) throws IOException {
        Socket socket = new Socket();
        if (from != null) {
            socket.bind(new InetSocketAddress(from, 0));
        }
        // set before connecting, so the window the client advertises stays small
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("localhost", port), 5000);
        socket.setSoTimeout(20_000);
        RawSocket raw = new RawSocket(socket);
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: localhost:" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(nonce) + "\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        request.append("\r\n");
        raw.out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
        raw.out.flush();
        String status = raw.readHead();
        if (!status.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("Handshake refused: " + status.lines().findFirst().orElse(status));
        }
        return raw;
    }

    /** The response head up to the blank line (byte by byte: nothing after it may be consumed). */
    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Connection closed during the handshake: " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Sends a text frame (masked, as a client must). */
    void send(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        }
        else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        }
        else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        random.nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    void send(Object frame) throws IOException {
        send(json.writeValueAsString(frame));
    }

    /**
     * The next text frame as JSON; null when the server closed (a close frame, whose code is then in
     * {@link #closeCode()}, or the end of the stream).
     */
    JsonNode next() throws IOException {
        while (true) {
            int first;
            try {
                first = in.read();
            }
            catch (java.net.SocketException reset) {
                return null;
            }
            if (first < 0) {
                return null;
            }
            int second = in.readUnsignedByte();
            long length = second & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            }
            else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            bytesRead += 2 + length;
            int opcode = first & 0x0f;
            if (opcode == 0x8) {
                closeCode = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                return null;
            }
            if (opcode == 0x1) {
                return json.readTree(new String(payload, StandardCharsets.UTF_8));
            }
            // ping, pong, binary: not expected from the gateway; skip
        }
    }

    /** The next frame of this type, skipping others; fails on close. */
    JsonNode awaitType(String type) throws IOException {
        while (true) {
            JsonNode frame = next();
            if (frame == null) {
                throw new EOFException("Closed (" + closeCode + ") while waiting for '" + type + "'");
            }
            if (type.equals(frame.path("type").asString())) {
                return frame;
            }
            skipped.add(frame);
        }
    }

    java.util.List<JsonNode> skipped() {
        return skipped;
    }

    int closeCode() {
        return closeCode;
    }

    long bytesRead() {
        return bytesRead;
    }

    @Override
    public void close() {
        try {
            socket.close();
        }
        catch (IOException ignored) {
            // closing anyway
        }
    }
}
