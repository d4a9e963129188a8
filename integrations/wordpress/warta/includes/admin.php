<?php
/**
 * Settings page (Settings -> warta), outbox screen (Tools -> warta outbox), and the editor's
 * notice when a save sent nothing.
 *
 * @package warta
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'admin_init',
	function () {
		foreach ( array( 'warta_webhook_url', 'warta_secret', 'warta_post_types', 'warta_default_section', 'warta_sections' ) as $name ) {
			register_setting( 'warta', $name, array( 'type' => 'string', 'sanitize_callback' => 'sanitize_textarea_field' ) );
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
		$value = esc_textarea( (string) get_option( $name, 'warta_post_types' === $name ? 'post' : '' ) );
		$input = 'warta_sections' === $name
			? "<textarea name='$name' rows='6' cols='50'>$value</textarea>"
			: "<input type='" . ( 'warta_secret' === $name ? 'password' : 'text' ) . "' name='$name' value='$value' class='regular-text'>";
		echo '<tr><th scope="row">' . esc_html( $label ) . "</th><td>$input</td></tr>";
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
