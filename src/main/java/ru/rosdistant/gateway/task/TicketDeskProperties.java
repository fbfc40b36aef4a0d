package ru.rosdistant.gateway.task;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import ru.rosdistant.gateway.dialog.AppealType;

/**
 * {@code gateway.ticket-desk}: the connection to iTop («Единое окно») and how the gateway's requests are filed there.
 * Without {@code url} the desk is off and request numbers are data typed by agents. Secrets are never here: the
 * {@code *-env} settings name the environment variables (or properties) that hold them, as for the bots.
 *
 * @param url iTop's root, e.g. {@code https://itop.rosdistant.ru/} (the API is {@code webservices/rest.php} under it)
 * @param version the REST API version every call names (1.3: iTop 2.2 and later)
 * @param userEnv the variable with the login of the account (with the profile «REST Services User»)
 * @param passwordEnv the variable with its password
 * @param tokenEnv instead of login and password, the variable with an application token (iTop 3.1+, sent as the
 * {@code Auth-Token} header)
 * @param timeout the longest one call may take (a registration makes two; both fit in the outbox's delivery-timeout)
 * @param ticketClass the class of the requests the gateway creates, looks up and follows
 * @param orgId the organisation of every request (iTop's key)
 * @param callerId the person the requests are filed by: the contact centre's account in iTop (iTop's key)
 * @param origins the request's {@code origin} by the dialog's channel (widget, telegram, email, …)
 * @param defaultOrigin the origin of a channel not in {@code origins}
 * @param services what each appeal type is filed under, unless its line says otherwise
 * @param lines per line, what each appeal type is filed under there
 * @param pollInterval how often the status of open requests is read (one node, under a lease)
 * @param pollBatch how many requests one call reads
 * @param doneStatuses the statuses that complete the task with the request's solution
 * @param checksPerMinute how many typed numbers the gateway asks iTop about per minute, all nodes together (shared in
 * Redis when the cluster is on; bursts up to a sixth of it, at least 5); over it, over {@code checks-per-agent} and
 * while {@code check-pause} runs after iTop failed to answer one, a number is kept unchecked and the poller checks it
 * later
 * @param checksPerAgent how many of those one agent may cause per minute, all nodes together (bursts up to a sixth of
 * it, at least 5): one agent typing number after number does not spend the whole gateway's share
 * @param checkPause after iTop failed to answer a check, how long typed numbers are kept unchecked without asking
 */
@ConfigurationProperties("gateway.ticket-desk")
public record TicketDeskProperties(URI url, @DefaultValue("1.3") String version, String userEnv, String passwordEnv,
        String tokenEnv, @DefaultValue("20s") Duration timeout, @DefaultValue("UserRequest") String ticketClass,
        Long orgId, Long callerId, @DefaultValue Map<String, String> origins,
        @DefaultValue("chat") String defaultOrigin, @DefaultValue Map<AppealType, Filing> services,
        @DefaultValue Map<String, Map<AppealType, Filing>> lines, @DefaultValue("12m") Duration pollInterval,
        @DefaultValue("50") int pollBatch, @DefaultValue({ "resolved", "closed" }) List<String> doneStatuses,
        @DefaultValue("60") int checksPerMinute, @DefaultValue("12") int checksPerAgent,
        @DefaultValue("30s") Duration checkPause) {

    /**
     * Where one appeal type is filed: iTop's keys of the service and its subcategory, and the request type
     * ({@code service_request} or {@code incident}); any may be left out.
     */
    public record Filing(Long serviceId, Long servicesubcategoryId, String requestType) {
    }

    public TicketDeskProperties {
        if (pollBatch < 1 || pollBatch > 500) {
            throw new IllegalArgumentException("gateway.ticket-desk.poll-batch must be 1 to 500");
        }
        if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofSeconds(25)) > 0) {
            // a registration makes two calls, each up to timeout + 5 s: both fit in the outbox's delivery-timeout (1m)
            throw new IllegalArgumentException("gateway.ticket-desk.timeout must be 1 s to 25 s");
        }
        if (checksPerMinute < 1 || checksPerMinute > 6000) {
            throw new IllegalArgumentException("gateway.ticket-desk.checks-per-minute must be 1 to 6000");
        }
        if (checksPerAgent < 1 || checksPerAgent > 6000) {
            throw new IllegalArgumentException("gateway.ticket-desk.checks-per-agent must be 1 to 6000");
        }
        if (pollInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("gateway.ticket-desk.poll-interval must be at least a second");
        }
    }

    /** Where an appeal type of a line is filed: the line's own setting, else the general one, else nothing. */
    Filing filing(String lineId, AppealType type) {
        Filing own = lines.getOrDefault(lineId, Map.of()).get(type);
        return own != null ? own : services.getOrDefault(type, new Filing(null, null, null));
    }

    String origin(String channel) {
        return origins.getOrDefault(channel, defaultOrigin);
    }
}
