<?php
/**
 * The issue 16 scenarios through WordPress's own API; prints one JSON object: post ids, their
 * permalinks and the outbox. argv: webhook URL, secret, phase:
 * - "saves" (warta is down): activates the plugin and saves every kind of post;
 * - "deliver" (warta is back): the retries, due at once instead of after the backoff;
 * - "later" (warta is up): published posts force-deleted, made private, pending, or given a
 *   password; a featured image set without a save; a scheduled post goes live. Nothing is sent
 *   by this phase itself (its own spawn_cron cannot reach this site's host): a "deliver" run
 *   after it is WP-Cron's next run.
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
	$nasional = wp_insert_term( 'Nasional', 'category', array( 'slug' => 'nasional' ) );
	$ekonomi  = wp_insert_term( 'Ekonomi', 'category', array( 'slug' => 'ekonomi' ) );
	$cat      = array( $nasional['term_id'] );
	$ids      = array();
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
	// Password-protected from the start: never sent.
	$ids['protected'] = wp_insert_post( array( 'post_title' => 'Khusus pelanggan', 'post_content' => '<p>x</p>', 'post_status' => 'publish', 'post_password' => 'rahasia', 'post_category' => $cat, 'post_author' => 1 ) );
	// Every field the mapping reads: an author whose display name is not their login, two
	// section categories, tags, an excerpt with markup, pages, a featured image with its size
	// and alt text, a date in the site's time zone (Asia/Jakarta: 09:00 there is 02:00 UTC).
	$rina = wp_insert_user( array( 'user_login' => 'rina', 'user_pass' => 'pw', 'display_name' => 'Rina Kusumawardani', 'role' => 'author' ) );
	$image = wp_insert_attachment( array( 'post_title' => 'Pasar', 'post_mime_type' => 'image/jpeg', 'post_status' => 'inherit' ), '2025/03/pasar-induk.jpg' );
	wp_update_attachment_metadata(
		$image,
		array(
			'width'  => 1600,
			'height' => 900,
			'file'   => '2025/03/pasar-induk.jpg',
			'sizes'  => array( 'thumbnail' => array( 'file' => 'pasar-induk-150x150.jpg', 'width' => 150, 'height' => 150, 'mime-type' => 'image/jpeg' ) ),
		)
	);
	update_post_meta( $image, '_wp_attachment_image_alt', 'Pedagang cabai di Pasar Induk' );
	$ids['image'] = $image;
	$ids['featured'] = wp_insert_post(
		array(
			'post_title'    => 'Harga &amp; pasokan cabai &#8220;aman&#8221; kata menteri',
			'post_content'  => "<p>Halaman satu.</p>\n<!--more-->\n<p>Lanjutan.</p><!--nextpage--><p>Halaman dua.</p>",
			'post_excerpt'  => '<b>Ringkas:</b> pasokan aman &amp; harga turun.',
			'post_status'   => 'publish',
			'post_date'     => '2025-03-01 09:00:00',
			'post_category' => array( $nasional['term_id'], $ekonomi['term_id'] ),
			'tags_input'    => array( 'Harga', 'Pasar Induk' ),
			'post_author'   => $rina,
			'_thumbnail_id' => $image,
		)
	);
	// Scheduled, goes live in the "later" phase.
	$ids['goes_live'] = wp_insert_post( array( 'post_title' => 'Festival dibuka lebih awal', 'post_content' => '<p>Lima.</p>', 'post_status' => 'future', 'post_date' => '2030-06-01 10:00:00', 'post_category' => $cat, 'post_author' => 1 ) );
	// Published now, taken down in the "later" phase.
	foreach ( array( 'deleted', 'privated', 'pended', 'passworded' ) as $name ) {
		$ids[ $name ] = wp_insert_post( array( 'post_title' => "Berita yang nanti $name", 'post_content' => '<p>Empat.</p>', 'post_status' => 'publish', 'post_category' => $cat, 'post_author' => 1 ) );
	}
	update_option( 'e2e_warta_ids', $ids );
}
$ids = get_option( 'e2e_warta_ids' );
if ( 'later' === $phase ) {
	wp_delete_post( $ids['deleted'], true ); // skips the trash
	wp_update_post( array( 'ID' => $ids['privated'], 'post_status' => 'private' ) );
	wp_update_post( array( 'ID' => $ids['pended'], 'post_status' => 'pending' ) );
	wp_update_post( array( 'ID' => $ids['passworded'], 'post_password' => 'rahasia' ) );
	// A featured image set on a published post without saving the post, as the classic editor's
	// "Set featured image" does (wp_ajax_set_post_thumbnail): the site shows it at once.
	set_post_thumbnail( $ids['edited'], $ids['image'] );
	// The clock reaches the scheduled time (the post's date moved a minute into the past rather
	// than waiting for 2030), and WP-Cron's publish_future_post runs: the post goes live.
	$wpdb->update(
		$wpdb->posts,
		array( 'post_date' => current_time( 'mysql' ), 'post_date_gmt' => current_time( 'mysql', true ) ),
		array( 'ID' => $ids['goes_live'] )
	);
	clean_post_cache( $ids['goes_live'] );
	check_and_publish_future_post( $ids['goes_live'] );
}
if ( 'later' !== $phase ) {
	warta_deliver();
}
$permalinks = array();
foreach ( $ids as $name => $id ) {
	$permalinks[ $name ] = get_post( $id ) ? get_permalink( $id ) : null;
}
echo wp_json_encode(
	array(
		'ids'        => $ids,
		'reason'     => get_post_meta( $ids['unplaced'], '_warta_reason', true ),
		'outbox'     => $wpdb->get_results( "SELECT post_id, event_id, status, attempts, last_error, body FROM {$wpdb->prefix}warta_outbox ORDER BY id", ARRAY_A ),
		'permalinks' => $permalinks,
	),
	JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
);
