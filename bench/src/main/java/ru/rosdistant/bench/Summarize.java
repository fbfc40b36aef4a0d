package ru.rosdistant.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads every result file under a folder and prints, per scenario and parameters, the median of each
 * numeric figure over the repeats (with the single values), the baseline's median and the ratio. The baseline is the
 * target named by {@code --baseline}: the relay unless told (bench/reports-chat.sh compares the chat with reports
 * running to the chat without, {@code --baseline quiet}).
 */
final class Summarize {

    static void main(Args args) throws IOException {
        Path dir = Path.of(args.required("dir"));
        String baseline = args.str("baseline", "relay");
        Map<String, Map<String, Map<String, List<Double>>>> groups = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode result;
                try {
                    result = Json.parse(Files.readString(file));
                }
                catch (RuntimeException ex) {
                    continue;
                }
                if (!result.has("scenario")) {
                    continue;
                }
                String key = result.path("scenario").asText().equals("idle")
                        ? String.format("idle N=%d", result.path("n").asInt())
                        : String.format("%s V=%d A=%d maxDialogs=%d R=%.0f", result.path("scenario").asText(), result.path("visitors").asInt(),
                                result.path("agents").asInt(), result.path("max_dialogs").asInt(),
                                result.path("rate_target").asDouble());
                Map<String, List<Double>> figures = groups.computeIfAbsent(key, k -> new TreeMap<>())
                        .computeIfAbsent(result.path("target").asText(), k -> new LinkedHashMap<>());
                flatten("", result, figures);
            }
        }
        StringBuilder out = new StringBuilder();
        groups.forEach((key, targets) -> {
            out.append("\n### ").append(key).append("\n\n");
            // every other target (gateway on an external PostgreSQL, embedded) gets a ratio to the baseline
            Map<String, List<Double>> relay = targets.getOrDefault(baseline, Map.of());
            List<String> measured = targets.keySet().stream().filter(t -> !t.equals(baseline)).toList();
            out.append("| figure |");
            measured.forEach(t -> out.append(' ').append(t).append(" median | ").append(t).append(" runs |"));
            out.append(' ').append(baseline).append(" median | ").append(baseline).append(" runs |");
            measured.forEach(t -> out.append(' ').append(t).append(" / ").append(baseline).append(" |"));
            // the peer: the gateway's figures over ejabberd's, in the same run
            boolean peer = targets.containsKey("gateway") && targets.containsKey("ejabberd");
            if (peer) {
                out.append(" gateway / ejabberd |");
            }
            out.append("\n|---|");
            measured.forEach(t -> out.append("---:|---|"));
            out.append("---:|---|");
            measured.forEach(t -> out.append("---:|"));
            out.append(peer ? "---:|\n" : "\n");
            List<String> names = new ArrayList<>();
            targets.values().forEach(figures -> figures.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add));
            for (String name : names) {
                Double rm = median(relay.getOrDefault(name, List.of()));
                out.append("| ").append(name).append(" |");
                for (String t : measured) {
                    List<Double> g = targets.get(t).getOrDefault(name, List.of());
                    Double gm = median(g);
                    out.append(' ').append(gm == null ? "" : fmt(gm)).append(" | ").append(list(g)).append(" |");
                }
                out.append(' ').append(rm == null ? "" : fmt(rm)).append(" | ")
                        .append(list(relay.getOrDefault(name, List.of()))).append(" |");
                for (String t : measured) {
                    Double gm = median(targets.get(t).getOrDefault(name, List.of()));
                    out.append(' ').append(gm != null && rm != null && rm != 0 ? fmt(gm / rm) : "").append(" |");
                }
                if (peer) {
                    Double gm = median(targets.get("gateway").getOrDefault(name, List.of()));
                    Double em = median(targets.get("ejabberd").getOrDefault(name, List.of()));
                    out.append(' ').append(gm != null && em != null && em != 0 ? fmt(gm / em) : "").append(" |");
                }
                out.append('\n');
            }
        });
        System.out.print(out);
    }

    private static void flatten(String prefix, JsonNode node, Map<String, List<Double>> into) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                    e.getValue(), into));
        }
        else if (node.isNumber()) {
            into.computeIfAbsent(prefix, k -> new ArrayList<>()).add(node.asDouble());
        }
    }

    static Double median(List<Double> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String list(List<Double> values) {
        return String.join(", ", values.stream().map(Summarize::fmt).toList());
    }

    static String fmt(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.format("%d", (long) value);
        }
        return Math.abs(value) >= 100 ? String.format("%.0f", value) : String.format("%.3g", value);
    }
}
