package ru.rosdistant.gateway.channel;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A bot file that cannot be used stops the start with a message naming the file and the field. */
class BotConfigsTests {

    @Test
    void aGoodFileIsReadWithDefaults() {
        BotConfig config = parse("telegram-applicants.yml", "platform: telegram\ntoken-env: TG_TOKEN\n");
        assertThat(config.id()).isEqualTo("telegram-applicants");
        assertThat(config.line()).isEqualTo("marketing");
        assertThat(config.mode()).isEqualTo(BotConfig.Mode.POLLING);
        assertThat(config.identify()).isTrue();
    }

    @Test
    void aMissingPlatformIsNamed() {
        assertThatThrownBy(() -> parse("bot-a.yml", "token-env: X\n"))
                .hasMessageContaining("bot-a.yml")
                .hasMessageContaining("'platform'");
    }

    @Test
    void anUnknownPlatformIsNamed() {
        assertThatThrownBy(() -> parse("bot-b.yml", "platform: icq\ntoken-env: X\n"))
                .hasMessageContaining("bot-b.yml")
                .hasMessageContaining("platform");
    }

    @Test
    void aWrongTypeIsNamed() {
        assertThatThrownBy(() -> parse("bot-c.yml", "platform: telegram\ntoken-env: X\npoll-timeout-seconds: soon\n"))
                .hasMessageContaining("bot-c.yml")
                .hasMessageContaining("poll-timeout-seconds");
    }

    @Test
    void brokenYamlIsNamed() {
        assertThatThrownBy(() -> parse("bot-d.yml", "platform: [telegram\n"))
                .hasMessageContaining("bot-d.yml")
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void whatsAppNeedsItsPhoneNumberId() {
        assertThatThrownBy(() -> parse("wa.yml", "platform: whatsapp\ntoken-env: A\nsecret-env: B\nverify-token-env: C\n"))
                .hasMessageContaining("wa.yml")
                .hasMessageContaining("'phone-number-id'");
    }

    @Test
    void aTelegramWebhookNeedsItsSecret() {
        assertThatThrownBy(() -> parse("tg.yml", "platform: telegram\nmode: webhook\ntoken-env: A\npublic-url: https://x\n"))
                .hasMessageContaining("tg.yml")
                .hasMessageContaining("'secret-env'");
    }

    @Test
    void theShippedExamplesAreValidAndHoldNoSecrets() throws java.io.IOException {
        var files = new org.springframework.core.io.support.PathMatchingResourcePatternResolver()
                .getResources("file:bot-configs/*.yml");
        assertThat(files).hasSizeGreaterThanOrEqualTo(3);
        for (var file : files) {
            BotConfig config = BotConfigs.parse(file, new StandardEnvironment());
            assertThat(config.tokenEnv()).as(file.getFilename()).matches("[A-Z][A-Z0-9_]+");
            assertThat(config.line()).isEqualTo("marketing");
        }
    }

    @Test
    void aVkCallbackBotNeedsItsCommunitySecretAndConfirmation() {
        assertThatThrownBy(() -> parse("vk.yml", "platform: vk\nmode: callback\ntoken-env: A\n"))
                .hasMessageContaining("'community-id'");
        assertThatThrownBy(() -> parse("vk.yml", "platform: vk\nmode: callback\ntoken-env: A\ncommunity-id: 5\n"))
                .hasMessageContaining("'secret-env'");
        assertThatThrownBy(() -> parse("vk.yml", "platform: vk\nmode: callback\ntoken-env: A\ncommunity-id: 5\n"
                + "secret-env: B\n")).hasMessageContaining("'confirmation-env'");
    }

    @Test
    void aVkBotPollsByDefaultAndNeedsNoSecretThen() {
        BotConfig config = parse("vk.yml", "platform: vk\ntoken-env: A\ncommunity-id: 5\n");
        assertThat(config.mode()).isEqualTo(BotConfig.Mode.LONGPOLL);
        assertThat(parse("vk.yml", "platform: vk\nmode: longpoll\ntoken-env: A\ncommunity-id: 5\n").mode())
                .isEqualTo(BotConfig.Mode.LONGPOLL);
    }

    @Test
    void aMaxWebhookNeedsItsSecretAndPollingNeedsNone() {
        assertThat(parse("max.yml", "platform: max\ntoken-env: A\n").mode()).isEqualTo(BotConfig.Mode.POLLING);
        assertThatThrownBy(() -> parse("max.yml", "platform: max\nmode: webhook\ntoken-env: A\n"))
                .hasMessageContaining("'secret-env'");
        assertThat(parse("max.yml", "platform: max\nmode: webhook\ntoken-env: A\nsecret-env: B\n").mode())
                .isEqualTo(BotConfig.Mode.WEBHOOK);
    }

    private static BotConfig parse(String name, String yaml) {
        ByteArrayResource file = new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public String getFilename() {
                return name;
            }
        };
        return BotConfigs.parse(file, new StandardEnvironment());
    }
}
