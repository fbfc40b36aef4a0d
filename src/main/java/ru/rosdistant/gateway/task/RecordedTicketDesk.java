package ru.rosdistant.gateway.task;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import ru.rosdistant.gateway.cluster.SharedBuckets;

/**
 * The ticket desk: iTop when a connection is configured ({@code gateway.ticket-desk.url}), otherwise plain data, a
 * number accepted as typed when it looks like one (letters, digits, -/#.).
 */
@Configuration(proxyBeanMethods = false)
class RecordedTicketDesk {

    @Bean
    TicketDesk ticketDesk(ObjectProvider<ItopClient> itop, ObjectProvider<TicketDeskProperties> properties,
            SharedBuckets shared) {
        ItopClient client = itop.getIfAvailable();
        if (client != null) {
            return new ItopTicketDesk(client, properties.getObject(), shared);
        }
        return number -> {
            String trimmed = number == null ? "" : number.strip();
            if (!looksLikeANumber(trimmed)) {
                return Mono.error(new IllegalArgumentException("'" + number + "' is not a request number"));
            }
            return Mono.just(new TicketDesk.Request(trimmed, null));
        };
    }

    /** The form every request number has, whatever the desk. */
    public static boolean looksLikeANumber(String number) {
        return number != null && number.matches("[\\p{L}0-9][\\p{L}0-9\\-/#.]{0,63}");
    }
}
