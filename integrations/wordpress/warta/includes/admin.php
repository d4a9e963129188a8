<?php
/**
 * Settings page (Settings -> warta), outbox screen (Tools -> warta outbox), and the editor's
 * notice when a save sent nothing.
 *
 * @package warta
 */

defined( 'ABSPATH' ) || exit;

// The contract's section id (article-event.schema.json: article.section.id).
const WARTA_SECTION_ID_PATTERN = '/^[a-z0-9][a-z0-9-]{0,62}$/';

add_action(
	'admin_init',
	function () {
		// Sanitized and saved by options.php in this order: the sections before the default
		// section, which must be one of them.
		$callbacks = array(
			'warta_webhook_url'     => 'warta_sanitize_webhook_url',
			'warta_secret'          => 'warta_sanitize_secret',
			'warta_post_types'      => 'warta_sanitize_post_types',
			'warta_sections'        => 'warta_sanitize_sections',
			'warta_default_section' => 'warta_sanitize_default_section',
		);
		foreach ( $callbacks as $name => $callback ) {
			register_setting( 'warta', $name, array( 'type' => 'string', 'sanitize_callback' => $callback ) );
		}
	}
);

add_action(
	'admin_menu',
	function () {
		add_options_page( 'warta', 'warta', 'manage_options', 'warta', 'warta_settings_page' );
		add_management_page( 'warta outbox', 'warta outbox', 'manage_options', 'warta-outbox', 'warta_outbox_page' );
	}
);

/**
 * Refuses a submitted value: a settings error (shown on the settings page after options.php's
 * redirect) and the value saved before, kept. WordPress may sanitize an option twice in one
 * save (update_option, then add_option for an option not saved yet): the error is added once.
 * $message is HTML (settings_errors() prints it as is): escape what the user typed.
 */
function warta_refuse( $option, $message ) {
	foreach ( get_settings_errors( $option ) as $error ) {
		if ( $error['message'] === $message ) {
			return get_option( $option );
		}
	}
	add_settings_error( $option, $option, $message );
	return get_option( $option );
}

/** An http(s) URL, or empty (nothing is sent). */
function warta_sanitize_webhook_url( $value ) {
	$value = trim( (string) $value );
	if ( '' === $value ) {
		return '';
	}
	$parts = wp_parse_url( $value );
	$valid = is_array( $parts ) && isset( $parts['scheme'], $parts['host'] )
		&& in_array( strtolower( $parts['scheme'] ), array( 'http', 'https' ), true )
		&& esc_url_raw( $value, array( 'http', 'https' ) ) === $value;
	if ( ! $valid ) {
		return warta_refuse( 'warta_webhook_url', 'Webhook URL: not an http(s) URL: <code>' . esc_html( $value ) . '</code>; kept the one before.' );
	}
	return $value;
}

/**
 * The secret as typed (no other sanitizing: a secret may hold "<" or "%41"); empty keeps the
 * one saved, since the page never shows it.
 */
function warta_sanitize_secret( $value ) {
	$value = trim( (string) $value );
	return '' === $value ? get_option( 'warta_secret' ) : $value;
}

/** Registered post types, comma-separated; empty: post. */
function warta_sanitize_post_types( $value ) {
	$types = array_values( array_unique( array_filter( array_map( 'trim', explode( ',', (string) $value ) ), 'strlen' ) ) );
	if ( ! $types ) {
		return 'post';
	}
	$unknown = array_values( array_filter( $types, function ( $type ) {
		return ! post_type_exists( $type );
	} ) );
	if ( $unknown ) {
		return warta_refuse( 'warta_post_types', 'Post types: not registered on this site: <code>' . esc_html( implode( ', ', $unknown ) ) . '</code>; kept the ones before.' );
	}
	return implode( ', ', $types );
}

/** One "id = Name" a line, the id a section id (site.toml's quotes around the name dropped). */
function warta_sanitize_sections( $value ) {
	$lines = array();
	$bad   = array();
	foreach ( preg_split( '/\R/', (string) $value ) as $line ) {
		$line = trim( $line );
		if ( '' === $line ) {
			continue;
		}
		$parts = array_map( 'trim', explode( '=', $line, 2 ) );
		$name  = 2 === count( $parts ) ? warta_section_name( $parts[1] ) : '';
		if ( '' === $name || ! preg_match( WARTA_SECTION_ID_PATTERN, $parts[0] ) ) {
			$bad[] = $line;
			continue;
		}
		$lines[] = $parts[0] . ' = ' . $name;
	}
	if ( $bad ) {
		return warta_refuse( 'warta_sections', 'Sections: not <code>id = Name</code> with a section id (lower-case letters, digits, hyphens): <code>' . esc_html( implode( ' | ', $bad ) ) . '</code>; kept the ones before.' );
	}
	return implode( "\n", $lines );
}

/** A section id among the sections (saved just before), or empty: no default. */
function warta_sanitize_default_section( $value ) {
	$value = trim( (string) $value );
	if ( '' === $value ) {
		return '';
	}
	$settings = warta_settings();
	if ( ! preg_match( WARTA_SECTION_ID_PATTERN, $value ) || ! isset( $settings['sections'][ $value ] ) ) {
		return warta_refuse( 'warta_default_section', 'Default section: <code>' . esc_html( $value ) . '</code> is not the id of one of the sections; kept the one before.' );
	}
	return $value;
}

function warta_settings_page() {
	$fields = array(
		'warta_webhook_url'     => 'Webhook URL (the Lambda webhook, or http://127.0.0.1:8000/_webhook for warta serve)',
		'warta_secret'          => 'Shared secret (the webhook secret parameter)',
		'warta_post_types'      => 'Post types, comma-separated (default: post)',
		'warta_default_section' => 'Default section id (empty: a post without a section category is not sent)',
		'warta_sections'        => 'The site\'s sections, one "id = Name" a line (as in site.toml [sections])',
	);
	echo '<div class="wrap"><h1>warta</h1><form method="post" action="options.php">';
	settings_fields( 'warta' );
	echo '<table class="form-table">';
	foreach ( $fields as $name => $label ) {
		$value = (string) get_option( $name, 'warta_post_types' === $name ? 'post' : '' );
		if ( 'warta_sections' === $name ) {
			$input = "<textarea id='$name' name='$name' rows='6' cols='50'>" . esc_textarea( $value ) . '</textarea>';
		} elseif ( 'warta_secret' === $name ) {
			// Never sent back to the browser: empty, and an empty field keeps the saved secret.
			$input = "<input type='password' id='$name' name='$name' value='' autocomplete='new-password' class='regular-text'>"
				. '<p class="description">' . ( '' === $value ? 'Not set.' : 'Set; leave empty to keep it.' ) . '</p>';
		} else {
			$input = "<input type='text' id='$name' name='$name' value='" . esc_attr( $value ) . "' class='regular-text'>";
		}
		echo "<tr><th scope='row'><label for='$name'>" . esc_html( $label ) . "</label></th><td>$input</td></tr>";
	}
	echo '</table>';
	submit_button();
	echo '</form></div>';
}

function warta_outbox_page() {
	global $wpdb;
	$table  = warta_outbox_table();
	$counts = $wpdb->get_results( "SELECT status, COUNT(*) AS n FROM $table GROUP BY status", OBJECT_K );
	$errors = $wpdb->get_results( "SELECT post_id, event_id, status, attempts, last_error, next_attempt_gmt FROM $table WHERE last_error IS NOT NULL AND status <> 'sent' ORDER BY id DESC LIMIT 20" );
	echo '<div class="wrap"><h1>warta outbox</h1><p>';
	foreach ( array( 'pending', 'failed', 'sent' ) as $status ) {
		echo esc_html( ucfirst( $status ) . ': ' . ( isset( $counts[ $status ] ) ? $counts[ $status ]->n : 0 ) ) . '<br>';
	}
	echo '</p><h2>Last errors</h2><table class="widefat"><thead><tr><th>Post</th><th>Event</th><th>Status</th><th>Attempts</th><th>Next try (UTC)</th><th>Error</th></tr></thead><tbody>';
	foreach ( $errors as $row ) {
		echo '<tr><td>' . esc_html( $row->post_id ) . '</td><td>' . esc_html( $row->event_id ) . '</td><td>' . esc_html( $row->status )
			. '</td><td>' . esc_html( $row->attempts ) . '</td><td>' . esc_html( $row->next_attempt_gmt ) . '</td><td>' . esc_html( $row->last_error ) . '</td></tr>';
	}
	echo '</tbody></table></div>';
}

add_action(
	'admin_notices',
	function () {
		$screen = get_current_screen();
		$post   = get_post();
		if ( ! $screen || 'post' !== $screen->base || ! $post ) {
			return;
		}
		$reason = get_post_meta( $post->ID, WARTA_REASON_META, true );
		if ( $reason ) {
			echo '<div class="notice notice-warning"><p>' . esc_html( 'warta: not sent: ' . $reason ) . '</p></div>';
		}
	}
);
