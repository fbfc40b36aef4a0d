package ru.rosdistant.gateway.channel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;
import ru.rosdistant.gateway.site.Sites;

/**
 * The bots of {@code bot-configs/}, one YAML file each, read once at start-up. A file that cannot be used
 * stops the start with a message naming the file and the field. A bot whose secrets are not set is off,
 * and the start log says which variable is missing: the demo runs without any real token.
 */
@Component
public class BotConfigs {

    private static final Logger log = LoggerFactory.getLogger(BotConfigs.class);

    private final Map<String, Bot> bots;

    BotConfigs(ChannelProperties properties, ConfigurableEnvironment environment, Sites sites) {
        List<BotConfig> configs = load(properties.configs(), environment);
        List<Bot> on = new ArrayList<>();
        for (BotConfig config : configs) {
            if (sites.line(config.line()).isEmpty()) {
                throw new BotConfigException(config.id() + " (" + properties.configs() + ")", "line",
                        "names the line '" + config.line() + "', which is not configured in gateway.site.lines");
            }
            resolve(config, environment).ifPresent(on::add);
        }
        this.bots = on.stream().collect(Collectors.toUnmodifiableMap(Bot::id, Function.identity()));
        if (configs.isEmpty()) {
            log.info("No messenger bots are configured ({})", properties.configs());
        }
    }

    /** The bots that are on. */
    public List<Bot> all() {
        return List.copyOf(bots.values());
    }

    public List<Bot> of(Platform platform) {
        return bots.values().stream().filter(bot -> bot.platform() == platform).toList();
    }

    /** The bot with this id if it is on and of this platform. */
    public Optional<Bot> find(String id, Platform platform) {
        return Optional.ofNullable(bots.get(id)).filter(bot -> bot.platform() == platform);
    }

    private static List<BotConfig> load(String pattern, ConfigurableEnvironment environment) {
        Resource[] files;
        try {
            files = new PathMatchingResourcePatternResolver().getResources(pattern);
        }
        catch (IOException ex) {
            log.info("No bot configuration found at {} ({})", pattern, ex.getMessage());
            return List.of();
        }
        List<BotConfig> configs = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Resource file : files) {
            BotConfig config = parse(file, environment);
            if (!ids.add(config.id())) {
                throw new BotConfigException(file.getFilename(), "id", "repeats the id '" + config.id()
                        + "' of another bot file");
            }
            configs.add(config);
        }
        return configs;
    }

    static BotConfig parse(Resource file, ConfigurableEnvironment environment) {
        String name = file.getFilename();
        List<PropertySource<?>> sources;
        try {
            sources = new YamlPropertySourceLoader().load(name, file);
        }
        catch (IOException | RuntimeException ex) {
            throw new BotConfigException(name, "is not valid YAML: " + ex.getMessage(), ex);
        }
        Binder binder = new Binder(ConfigurationPropertySources.from(sources),
                new PropertySourcesPlaceholdersResolver(environment));
        BotConfig config;
        try {
            config = binder.bindOrCreate("", Bindable.of(BotConfig.class));
        }
        catch (BindException ex) {
            String field = ex.getProperty() == null ? ex.getName().toString() : ex.getProperty().getName().toString();
            Throwable cause = ex.getCause() == null ? ex : ex.getCause();
            throw new BotConfigException(name, field, "cannot be read: " + rootMessage(cause));
        }
        return checked(name, config);
    }

    private static BotConfig checked(String file, BotConfig config) {
        String id = config.id() != null ? config.id()
                : file.replaceFirst("\\.ya?ml$", "");
        if (!id.matches("^[a-z0-9][a-z0-9_-]{0,63}$")) {
            throw new BotConfigException(file, "id", "must be lowercase letters, digits, '-' or '_' (got '" + id + "')");
        }
        if (config.platform() == null) {
            throw new BotConfigException(file, "platform", "is required: telegram, viber, whatsapp, vk or max");
        }
        require(file, "token-env", config.tokenEnv());
        BotConfig.Mode mode = config.mode();
        switch (config.platform()) {
            case TELEGRAM -> {
                if (config.mode() == BotConfig.Mode.WEBHOOK) {
                    require(file, "secret-env", config.secretEnv());
                    require(file, "public-url", config.publicUrl());
                }
            }
            case WHATSAPP -> {
                require(file, "secret-env", config.secretEnv());
                require(file, "verify-token-env", config.verifyTokenEnv());
                require(file, "phone-number-id", config.phoneNumberId());
            }
            case VIBER -> {
                // the auth token is the only secret; the callback signature is keyed with it
            }
            case VK -> {
                mode = mode.called() ? BotConfig.Mode.CALLBACK : BotConfig.Mode.LONGPOLL;
                if (config.communityId() == null || config.communityId() <= 0) {
                    throw new BotConfigException(file, "community-id", "is required for VK: the community (group) id");
                }
                if (mode == BotConfig.Mode.CALLBACK) {
                    require(file, "secret-env", config.secretEnv());
                    require(file, "confirmation-env", config.confirmationEnv());
                }
            }
            case MAX -> {
                mode = mode.called() ? BotConfig.Mode.WEBHOOK : BotConfig.Mode.POLLING;
                if (mode == BotConfig.Mode.WEBHOOK) {
                    require(file, "secret-env", config.secretEnv());
                }
            }
        }
        if (config.webhookRequestsPerSecond() < 1 || config.webhookRequestsPerSecond() > 10_000) {
            throw new BotConfigException(file, "webhook-requests-per-second", "must be between 1 and 10000");
        }
        if (config.pollTimeoutSeconds() < 0 || config.pollTimeoutSeconds() > 600) {
            throw new BotConfigException(file, "poll-timeout-seconds", "must be between 0 and 600");
        }
        return new BotConfig(id, config.platform(), config.displayName(), config.line(), config.greeting(),
                config.outOfHours(), config.identify(), config.mailbox(), mode, config.baseUrl(),
                config.publicUrl(), config.tokenEnv(), config.secretEnv(), config.verifyTokenEnv(),
                config.phoneNumberId(), config.template(), config.templateLanguage(), config.pollTimeoutSeconds(),
                config.communityId(), config.confirmationEnv(), config.webhookRequestsPerSecond());
    }

    private static void require(String file, String field, String value) {
        if (!StringUtils.hasText(value)) {
            throw new BotConfigException(file, field, "is required for this platform");
        }
    }

    private static Optional<Bot> resolve(BotConfig config, ConfigurableEnvironment environment) {
        List<String> missing = new ArrayList<>();
        String token = secret(environment, config.tokenEnv(), missing);
        String secret = config.secretEnv() == null ? null : secret(environment, config.secretEnv(), missing);
        String verifyEnv = config.platform() == Platform.VK && config.mode() == BotConfig.Mode.CALLBACK
                ? config.confirmationEnv() : config.verifyTokenEnv();
        String verify = verifyEnv == null ? null : secret(environment, verifyEnv, missing);
        if (missing.isEmpty() && config.platform() == Platform.MAX && secret != null
                && !secret.matches("^[A-Za-z0-9_-]{5,256}$")) {
            log.warn("Messenger bot '{}' (MAX) is off: {} must be 5 to 256 letters, digits, '_' or '-'", config.id(),
                    config.secretEnv());
            return Optional.empty();
        }
        if (!missing.isEmpty()) {
            log.info("Messenger bot '{}' ({}) is off: {} not set", config.id(), config.platform(),
                    String.join(", ", missing));
            return Optional.empty();
        }
        log.info("Messenger bot '{}' ({}{}) is on, feeding the line '{}'", config.id(), config.platform(),
                config.platform() == Platform.TELEGRAM || config.platform() == Platform.VK
                        || config.platform() == Platform.MAX ? ", " + config.mode() : "", config.line());
        return Optional.of(new Bot(config, token, secret, verify));
    }

    private static String secret(ConfigurableEnvironment environment, String name, List<String> missing) {
        String value = environment.getProperty(name);
        if (!StringUtils.hasText(value)) {
            missing.add(name);
            return null;
        }
        return value.strip();
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
