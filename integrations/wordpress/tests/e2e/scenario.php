<?php
/**
 * The issue 16 scenarios through WordPress's own API; prints one JSON object: post ids and the
 * outbox. argv: webhook URL, secret, phase ("saves" or "deliver").
 */
$_SERVER['HTTP_HOST']   = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
require getenv( 'WP_ROOT' ) . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
global $wpdb;
$phase = $argv[3];
update_option( 'warta_webhook_url', $argv[1] );
update_option( 'warta_secret', $argv[2] );
if ( 'deliver' === $phase ) {
	// warta was down for a while: let the backoff run out now instead of waiting for it.
	$wpdb->query( "UPDATE {$wpdb->prefix}warta_outbox SET next_attempt_gmt = UTC_TIMESTAMP() WHERE status = 'pending'" );
}
if ( 'saves' === $phase ) {
	$activated = activate_plugin( 'warta/warta.php' );
	if ( is_wp_error( $activated ) ) {
		fwrite( STDERR, $activated->get_error_message() );
		exit( 1 );
	}
	update_option( 'warta_sections', "nasional = Nasional\nekonomi = Ekonomi" );
	$term = wp_insert_term( 'Nasional', 'category', array( 'slug' => 'nasional' ) );
	$cat  = array( $term['term_id'] );
	$ids  = array();
	// Two saves in one second: both sent, the second wins.
	$ids['edited'] = wp_insert_post( array( 'post_title' => 'Harga cabai naik menjelang lebaran', 'post_content' => '<p>Satu.</p>', 'post_status' => 'publish', 'post_category' => $cat, 'post_author' => 1 ) );
	wp_update_post( array( 'ID' => $ids['edited'], 'post_title' => 'Harga cabai naik: versi kedua di detik yang sama' ) );
	// Published, then trashed: unpublished.
	$ids['trashed'] = wp_insert_post( array( 'post_title' => 'Berita yang akan ditarik dari peredaran', 'post_content' => '<p>Dua.</p>', 'post_status' => 'publish', 'post_category' => $cat, 'post_author' => 1 ) );
	wp_trash_post( $ids['trashed'] );
	// Scheduled: sent with its future date.
	$ids['scheduled'] = wp_insert_post( array( 'post_title' => 'Jadwal festival tahun depan diumumkan', 'post_content' => '<p>Tiga.</p>', 'post_status' => 'future', 'post_date' => '2030-01-01 10:00:00', 'post_category' => $cat, 'post_author' => 1 ) );
	// A draft: nothing sent.
	$ids['draft'] = wp_insert_post( array( 'post_title' => 'Draf', 'post_content' => '<p>x</p>', 'post_status' => 'draft', 'post_category' => $cat ) );
	// No section category and no default: not sent, reason kept for the editor.
	$ids['unplaced'] = wp_insert_post( array( 'post_title' => 'Tanpa rubrik sama sekali di sini', 'post_content' => '<p>x</p>', 'post_status' => 'publish', 'post_author' => 1 ) );
	update_option( 'warta_ids', $ids );
}
warta_deliver();
$ids = get_option( 'warta_ids' );
echo wp_json_encode(
	array(
		'ids'      => $ids,
		'reason'   => get_post_meta( $ids['unplaced'], '_warta_reason', true ),
		'outbox'   => $wpdb->get_results( "SELECT post_id, event_id, status, attempts, last_error FROM {$wpdb->prefix}warta_outbox ORDER BY id", ARRAY_A ),
		'permalink' => get_permalink( $ids['edited'] ),
	)
);
