package ru.rosdistant.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The several-nodes drill's outbox mail (issue 20: "outbox mail delivered exactly once"): offline forms posted
 * through the balancer at a steady rate during the load, each becoming one outbox mail to the site's mailbox,
 * delivered by whichever node's relay claims it to the {@link SmtpSink}; afterwards every form in PostgreSQL is
 * matched with the mails that carry its Message-ID ({@code <offline-form.<id>.contact-gateway@…>}).
 *
 * <p>A form whose answer did not come (the node died with the request, the balancer answered 502/503) is posted
 * again with the same {@code clientFormId}, as the widget does, so it is stored once.
 */
final class FormMail {

    private static final Pattern FORM_ID = Pattern.compile("offline-form\\.([0-9a-fA-F-]{36})\\.contact-gateway@");

    private final String base;

    private final String tag;

    private final String site;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final ExecutorService workers = Executors.newFixedThreadPool(16, r -> {
        Thread t = new Thread(r, "offline-form");
        t.setDaemon(true);
        return t;
    });

    private final AtomicLong submitted = new AtomicLong();

    private final AtomicLong acknowledged = new AtomicLong();

    private final AtomicLong retries = new AtomicLong();

    private final AtomicLong failed = new AtomicLong();

    private final Map<String, AtomicLong> answers = new ConcurrentHashMap<>();

    private final Set<String> receipts = ConcurrentHashMap.newKeySet();

    private Thread pacer;

    FormMail(String base, String tag, String site) {
        this.base = base;
        this.tag = tag;
        this.site = site;
    }

    /** Posts {@code rate} forms a second for {@code seconds} from {@code startNanos}, in the background. */
    void start(long startNanos, double rate, int seconds) {
        pacer = new Thread(() -> {
            long end = startNanos + TimeUnit.SECONDS.toNanos(seconds);
            long n = 0;
            while (true) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                long due = (long) ((now - startNanos) * rate / 1e9);
                while (n < due) {
                    long i = n++;
                    submitted.incrementAndGet();
                    workers.execute(() -> post(i));
                }
                try {
                    Thread.sleep(5);
                }
                catch (InterruptedException ex) {
                    return;
                }
            }
        }, "offline-form-pacer");
        pacer.setDaemon(true);
        pacer.start();
    }

    /** Waits for the pacer and for every form's answer (a form is retried for up to 2 minutes). */
    void awaitPosted() throws InterruptedException {
        if (pacer != null) {
            pacer.join();
        }
        workers.shutdown();
        workers.awaitTermination(3, TimeUnit.MINUTES);
    }

    private void post(long i) {
        String clientFormId = tag + "-" + i;
        String body = Json.write(Map.of("site", site, "name", "Bench form " + i, "email", "form" + i + "@example.org",
                "question", "Drill question " + clientFormId, "consent", true, "clientFormId", clientFormId));
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/offline-forms"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0) {
                retries.incrementAndGet();
            }
            String answer;
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                answer = Integer.toString(response.statusCode());
                if (response.statusCode() == 201) {
                    count(answer);
                    Matcher id = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-fA-F-]{36})\"").matcher(response.body());
                    if (id.find()) {
                        receipts.add(id.group(1).toLowerCase());
                    }
                    acknowledged.incrementAndGet();
                    return;
                }
                count(answer);
                if (response.statusCode() < 500 && response.statusCode() != 429) {
                    failed.incrementAndGet();
                    System.err.println("offline form " + clientFormId + ": " + answer + " " + response.body());
                    return;
                }
            }
            catch (java.io.IOException ex) {
                count(ex.getClass().getSimpleName());
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                failed.incrementAndGet();
                return;
            }
            if (System.nanoTime() > deadline) {
                failed.incrementAndGet();
                return;
            }
            try {
                Thread.sleep(500);
            }
            catch (InterruptedException ex) {
                failed.incrementAndGet();
                return;
            }
        }
    }

    private void count(String answer) {
        answers.computeIfAbsent(answer, k -> new AtomicLong()).incrementAndGet();
    }

    /**
     * Waits until every form in PostgreSQL has a mail at the sink and no outbox mail is left undelivered (a lease
     * of the killed node ends after {@code gateway.outbox.lease}, so its claims are sent again then), or
     * {@code timeoutS}; then compares forms and mails.
     */
    Map<String, Object> check(String jdbc, SmtpSink sink, long killMs, long loadEndMs, int timeoutS)
            throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("forms_submitted", submitted.get());
        out.put("forms_acknowledged", acknowledged.get());
        out.put("forms_failed", failed.get());
        out.put("form_retries", retries.get());
        out.put("form_answers", new TreeMap<>(answers.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()))));
        long waitStart = System.currentTimeMillis();
        long deadline = waitStart + timeoutS * 1000L;
        Set<String> forms;
        long undelivered;
        try (Connection c = DriverManager.getConnection(jdbc)) {
            while (true) {
                forms = forms(c);
                undelivered = undelivered(c);
                Set<String> mailed = mailed(sink.mails()).keySet();
                if ((undelivered == 0 && mailed.containsAll(forms)) || System.currentTimeMillis() > deadline) {
                    break;
                }
                Thread.sleep(500);
            }
            out.put("mail_wait_s", (System.currentTimeMillis() - waitStart) / 1000.0);
            // a mail already in the sink's socket when the outbox recorded it is counted too
            Thread.sleep(2000);
            forms = forms(c);
            out.put("outbox_states", outboxStates(c));
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM outbox "
                    + "WHERE dedup_key LIKE 'offline-form:%' AND attempts > 1")) {
                rs.next();
                out.put("outbox_entries_attempted_more_than_once", rs.getLong(1));
            }
        }
        List<SmtpSink.Mail> mails = sink.mails();
        Map<String, List<SmtpSink.Mail>> byForm = mailed(mails);
        long formMails = byForm.values().stream().mapToLong(List::size).sum();
        int missing = 0;
        int duplicated = 0;
        long extra = 0;
        List<Map<String, Object>> duplicates = new ArrayList<>();
        for (String form : forms) {
            List<SmtpSink.Mail> of = byForm.getOrDefault(form, List.of());
            if (of.isEmpty()) {
                missing++;
            }
            else if (of.size() > 1) {
                duplicated++;
                extra += of.size() - 1;
                if (duplicates.size() < 10) {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("form", form);
                    d.put("received_after_kill_ms", of.stream().map(m -> m.receivedMs() - killMs).toList());
                    d.put("session_ended_with_quit", of.stream().map(m -> m.session().quit).toList());
                    d.put("message_id", of.get(0).messageId());
                    d.put("same_message_id", of.stream().map(SmtpSink.Mail::messageId).distinct().count() == 1);
                    duplicates.add(d);
                }
            }
        }
        Set<String> unknown = new HashSet<>(byForm.keySet());
        unknown.removeAll(forms);
        Set<String> notStored = new HashSet<>(receipts);
        notStored.removeAll(forms);
        out.put("forms_in_db", forms.size());
        out.put("forms_acknowledged_not_in_db", notStored.size());
        out.put("mails_received", formMails);
        out.put("other_mails", mails.size() - formMails);
        out.put("forms_with_mail", forms.stream().filter(byForm::containsKey).count());
        out.put("missing", missing);
        out.put("duplicated_forms", duplicated);
        out.put("duplicate_mails", extra);
        out.put("mails_of_unknown_forms", unknown.size());
        out.put("duplicates", duplicates);
        // SMTP sessions: open at the kill (of any node), ended without QUIT (cut: the killed node's), and the mails
        // whose 250 the client never answered (it may not have seen it)
        List<SmtpSink.Session> sessions = new ArrayList<>(sink.sessions);
        out.put("smtp_sessions", sessions.size());
        out.put("smtp_sessions_open_at_kill", sessions.stream()
                .filter(s -> s.openedMs <= killMs && (s.closedMs == 0 || s.closedMs >= killMs)).count());
        out.put("smtp_sessions_cut", sessions.stream().filter(s -> s.closedMs != 0 && !s.quit).count());
        out.put("mails_in_flight_at_kill", sessions.stream()
                .filter(s -> s.openedMs <= killMs && s.closedMs >= killMs && !s.quit).count());
        out.put("mails_unconfirmed", sessions.stream().mapToLong(s -> s.mails - s.confirmed).sum());
        // by the node that sent them (its EHLO name)
        Map<String, Map<String, Long>> perNode = new TreeMap<>();
        for (SmtpSink.Session s : sessions) {
            Map<String, Long> node = perNode.computeIfAbsent(String.valueOf(s.client), k -> new TreeMap<>());
            node.merge("sessions", 1L, Long::sum);
            node.merge("mails", (long) s.mails, Long::sum);
            if (s.closedMs != 0 && !s.quit) {
                node.merge("cut", 1L, Long::sum);
            }
            if (s.openedMs <= killMs && (s.closedMs == 0 || s.closedMs >= killMs)) {
                node.merge("open_at_kill", 1L, Long::sum);
            }
            if (s.openedMs < killMs) {
                node.merge("sessions_before_kill", 1L, Long::sum);
            }
        }
        out.put("smtp_per_node", perNode);
        long last = mails.stream().mapToLong(SmtpSink.Mail::receivedMs).max().orElse(0);
        out.put("last_mail_ms", last == 0 ? null : last);
        out.put("last_mail_after_kill_s", last == 0 ? null : (last - killMs) / 1000.0);
        out.put("last_mail_after_load_end_s", last == 0 ? null : (last - loadEndMs) / 1000.0);
        Map<String, Long> received = new TreeMap<>();
        received.put("before_kill", mails.stream().filter(m -> m.receivedMs() < killMs).count());
        received.put("after_kill", mails.stream().filter(m -> m.receivedMs() >= killMs).count());
        out.put("mails_received_at", received);
        return out;
    }

    private static Set<String> forms(Connection c) throws java.sql.SQLException {
        Set<String> out = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id::text FROM offline_form")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static long undelivered(Connection c) throws java.sql.SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) FROM outbox WHERE dedup_key LIKE 'offline-form:%' AND state <> 'DELIVERED'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, Long> outboxStates(Connection c) throws java.sql.SQLException {
        Map<String, Long> out = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT state, count(*) FROM outbox WHERE dedup_key LIKE 'offline-form:%' GROUP BY state")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    /** The sink's mails by the form id in their Message-ID. */
    private static Map<String, List<SmtpSink.Mail>> mailed(List<SmtpSink.Mail> mails) {
        Map<String, List<SmtpSink.Mail>> out = new HashMap<>();
        for (SmtpSink.Mail mail : mails) {
            if (mail.messageId() == null) {
                continue;
            }
            Matcher m = FORM_ID.matcher(mail.messageId());
            if (m.find()) {
                out.computeIfAbsent(m.group(1).toLowerCase(), k -> new ArrayList<>()).add(mail);
            }
        }
        return out;
    }
}
