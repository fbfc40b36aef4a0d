package ru.rosdistant.gateway.offline;

import java.util.Optional;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

import org.springframework.stereotype.Component;

/**
 * Phone numbers as visitors write them ({@code 8 (927) 123-45-67}) to E.164 ({@code +79271234567}), with
 * libphonenumber. Its metadata is read from the jar per region on first use; all of it is read here, at
 * start-up, so that validating a form never does file I/O on an event loop.
 */
@Component
class PhoneNumbers {

    private final PhoneNumberUtil util = PhoneNumberUtil.getInstance();

    private final String defaultRegion;

    PhoneNumbers(OfflineProperties properties) {
        this.defaultRegion = properties.defaultRegion();
        util.getSupportedRegions().forEach(util::getExampleNumber);
        util.getSupportedGlobalNetworkCallingCodes().forEach(util::getExampleNumberForNonGeoEntity);
    }

    /** The number in E.164, or empty when it is not a valid phone number. */
    Optional<String> e164(String text) {
        if (text == null || text.isBlank() || text.length() > 40) {
            return Optional.empty();
        }
        try {
            PhoneNumber number = util.parse(text, defaultRegion);
            return util.isValidNumber(number)
                    ? Optional.of(util.format(number, PhoneNumberUtil.PhoneNumberFormat.E164))
                    : Optional.empty();
        }
        catch (NumberParseException ex) {
            return Optional.empty();
        }
    }
}
