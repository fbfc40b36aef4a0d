package ru.rosdistant.gateway.task;

import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The ticket desk as plain data: a number is accepted as typed when it looks like one (letters, digits, -/#.). */
@Configuration(proxyBeanMethods = false)
class RecordedTicketDesk {

    @Bean
    @ConditionalOnMissingBean(TicketDesk.class)
    TicketDesk ticketDesk() {
        return number -> {
            String trimmed = number == null ? "" : number.strip();
            if (!trimmed.matches("[\\p{L}0-9][\\p{L}0-9\\-/#.]{0,63}")) {
                return Mono.error(new IllegalArgumentException("'" + number + "' is not a request number"));
            }
            return Mono.just(trimmed);
        };
    }
}
