package ru.rosdistant.gateway.live;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/asyncapi.yaml against the server: the frame types each socket handles (its dispatch's {@code case "…"} and
 * {@code type().equals("…")}) and sends (every {@code "type", "…"} it builds) are exactly those the document's
 * operations name. A frame added to a socket without the document, or left in the document after it was removed,
 * fails here; so does a frame built in a file this test does not read.
 */
class ProtocolDocumentTests {

    private static final Path MAIN = Path.of("src/main/java/ru/rosdistant/gateway");

    private static final Pattern HANDLED = Pattern.compile("case \"([a-z_]+)\" ->|type\\(\\)\\.equals\\(\"([a-z_]+)\"\\)");

    private static final Pattern SENT = Pattern.compile("\"type\", \"([a-z_]+)\"");

    /** Files of both sockets: ping, pong, ack, message, typing, resumed, error. */
    private static final List<String> SHARED = List.of("live/SocketConnection.java", "live/Frames.java");

    private static final List<String> VISITOR = List.of("widget/VisitorSocket.java");

    private static final List<String> AGENT = List.of("console/AgentSocket.java", "console/OpenAgentSockets.java");

    @Test
    void theVisitorSocketsFramesAreThoseOfTheDocument() throws IOException {
        Map<String, Object> document = document();
        assertThat(types(document, "visitorReceives")).as("client → server on /ws/visitor")
                .isEqualTo(found(HANDLED, VISITOR));
        assertThat(types(document, "visitorSends")).as("server → client on /ws/visitor")
                .isEqualTo(found(SENT, VISITOR));
    }

    @Test
    void theAgentSocketsFramesAreThoseOfTheDocument() throws IOException {
        Map<String, Object> document = document();
        assertThat(types(document, "agentReceives")).as("client → server on /ws/agent")
                .isEqualTo(found(HANDLED, AGENT));
        assertThat(types(document, "agentSends")).as("server → client on /ws/agent")
                .isEqualTo(found(SENT, AGENT));
    }

    @Test
    void noOtherFileOfTheSocketsBuildsAFrame() {
        List<String> known = Stream.of(SHARED, VISITOR, AGENT).flatMap(List::stream).toList();
        List<String> building = Stream.of("widget", "console", "live", "dialog", "routing", "overview")
                .flatMap(ProtocolDocumentTests::walk)
                .filter(path -> known.stream().noneMatch(file -> path.endsWith(file)))
                .filter(path -> SENT.matcher(read(path)).find())
                .map(Path::toString)
                .toList();
        assertThat(building).as("files that build frames, unknown to this test").isEmpty();
    }

    private static Set<String> found(Pattern pattern, List<String> own) {
        Set<String> types = new TreeSet<>();
        Stream.concat(own.stream(), SHARED.stream()).map(MAIN::resolve).forEach(file -> {
            Matcher matcher = pattern.matcher(read(file));
            while (matcher.find()) {
                types.add(matcher.group(1) != null ? matcher.group(1) : matcher.group(2));
            }
        });
        assertThat(types).as("frame types in " + own).isNotEmpty();
        return types;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> types(Map<String, Object> document, String operation) {
        Map<String, Object> channels = (Map<String, Object>) document.get("channels");
        Map<String, Object> messages = (Map<String, Object>) ((Map<String, Object>) document.get("components"))
                .get("messages");
        Map<String, Object> op = (Map<String, Object>) ((Map<String, Object>) document.get("operations")).get(operation);
        String channel = ref((Map<String, Object>) op.get("channel"));
        Map<String, Object> listedInChannel = (Map<String, Object>) ((Map<String, Object>) channels
                .get(channel.substring(channel.lastIndexOf('/') + 1))).get("messages");
        Set<String> types = new TreeSet<>();
        for (Object listed : (List<Object>) op.get("messages")) {
            String path = ref((Map<String, Object>) listed);
            assertThat(path).startsWith(channel + "/messages/");
            String name = path.substring(path.lastIndexOf('/') + 1);
            assertThat(listedInChannel).as(operation + ": the channel lists " + name).containsKey(name);
            Map<String, Object> message = (Map<String, Object>) messages.get(name);
            assertThat(message).as(operation + ": message " + name).isNotNull();
            Map<String, Object> payload = (Map<String, Object>) message.get("payload");
            Object type = ((Map<String, Object>) ((Map<String, Object>) payload.get("properties")).get("type"))
                    .get("const");
            assertThat(message.get("name")).as(name).isEqualTo(type);
            types.add(String.valueOf(type));
        }
        return types;
    }

    private static String ref(Map<String, Object> reference) {
        return String.valueOf(reference.get("$ref"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> document() throws IOException {
        try (Reader reader = Files.newBufferedReader(Path.of("docs/asyncapi.yaml"))) {
            Map<String, Object> document = new Yaml().load(reader);
            assertThat(document.get("asyncapi")).isEqualTo("3.0.0");
            return document;
        }
    }

    private static Stream<Path> walk(String folder) {
        try (Stream<Path> files = Files.walk(MAIN.resolve(folder))) {
            return files.filter(path -> path.toString().endsWith(".java")).toList().stream();
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
