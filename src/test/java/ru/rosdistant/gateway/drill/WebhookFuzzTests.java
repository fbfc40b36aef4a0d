package ru.rosdistant.gateway.drill;

import java.util.List;

import org.junit.jupiter.api.Test;

/** 60,000 of the REST fuzz drill's 100,000 bodies: the Telegram, Viber, WhatsApp, VK and MAX webhooks (see RestFuzz). */
class WebhookFuzzTests extends RestFuzz {

    @Test
    void sixtyThousandHostileWebhookBodiesGetNo5xxAndLeaveNoPartialRow() throws Exception {
        fuzz(List.of(Target.TELEGRAM, Target.VIBER, Target.WHATSAPP, Target.VK, Target.MAX), 60_000, 20261127L);
    }
}
