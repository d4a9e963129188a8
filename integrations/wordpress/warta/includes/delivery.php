<?php
/**
 * The outbox's delivery rules: the signature warta's webhook checks, the retry backoff, what an
 * answer (or no answer) does to an outbox row, and the revision counter's rule. Pure: no
 * WordPress call, so PHPUnit tests them with plain php (../../tests/unit/).
 *
 * @package warta
 */

const WARTA_BACKOFF_FIRST_SECONDS = 30;
const WARTA_BACKOFF_MAX_SECONDS   = 3600;
// 4xx answers retried all the same: 401 (a clock or the secret being fixed), 408, 429.
const WARTA_RETRIED_4XX = array( 401, 408, 429 );

/** `X-Warta-Signature`: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>"> (app/webhook_rules.py). */
function warta_signature( $secret, $timestamp, $body ) {
	return 'sha256=' . hash_hmac( 'sha256', $timestamp . '.' . $body, $secret );
}

/** The headers of a signed delivery; $timestamp in Unix seconds. */
function warta_signed_headers( $secret, $timestamp, $body ) {
	return array(
		'Content-Type'      => 'application/json',
		'X-Warta-Timestamp' => (string) $timestamp,
		'X-Warta-Signature' => warta_signature( $secret, (string) $timestamp, $body ),
	);
}

/** Seconds before the next try after $attempts failed ones: 30 s, doubling, at most an hour. */
function warta_backoff_seconds( $attempts ) {
	$doublings = min( max( (int) $attempts, 1 ) - 1, 20 );
	return (int) min( WARTA_BACKOFF_MAX_SECONDS, WARTA_BACKOFF_FIRST_SECONDS * ( 2 ** $doublings ) );
}

/**
 * What one try does to an outbox row: the columns to update.
 *
 * @param int    $attempts        tries before this one.
 * @param int    $code            the HTTP status, 0 when no answer came (refused, timed out).
 * @param string $answer          the answer's body (warta's JSON names the error).
 * @param string $transport_error why no answer came.
 * @param int    $now             Unix seconds.
 * @return array status 'sent' (2xx); 'failed' (a 4xx rejection: retrying cannot help, kept
 *               with warta's reason); else 'pending' with the next try after the backoff.
 */
function warta_delivery_result( $attempts, $code, $answer, $transport_error, $now ) {
	$attempts = (int) $attempts + 1;
	$code     = (int) $code;
	if ( $code >= 200 && $code < 300 ) {
		return array( 'status' => 'sent', 'attempts' => $attempts, 'last_error' => null );
	}
	if ( 0 === $code ) {
		$error = '' !== (string) $transport_error ? (string) $transport_error : 'no answer';
	} else {
		$decoded = json_decode( (string) $answer, true );
		$reason  = is_array( $decoded ) && isset( $decoded['error'] ) && is_string( $decoded['error'] ) ? $decoded['error'] : '';
		$error   = '' !== $reason ? "HTTP $code: $reason" : "HTTP $code";
	}
	if ( $code >= 400 && $code < 500 && ! in_array( $code, WARTA_RETRIED_4XX, true ) ) {
		return array( 'status' => 'failed', 'attempts' => $attempts, 'last_error' => $error );
	}
	return array(
		'status'           => 'pending',
		'attempts'         => $attempts,
		'last_error'       => $error,
		'next_attempt_gmt' => gmdate( 'Y-m-d H:i:s', (int) $now + warta_backoff_seconds( $attempts ) ),
	);
}

/**
 * The revision of a post's next save: above the last one sent even for saves in the same
 * millisecond, and at least the save time in Unix milliseconds (so it beats the revision an
 * import gives, the modification time). warta_next_revision() runs this rule in one SQL statement.
 */
function warta_revision_after( $last, $now_ms ) {
	return max( (int) $last + 1, (int) $now_ms );
}
