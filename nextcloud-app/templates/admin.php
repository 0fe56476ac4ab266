<?php
/** The admin page is the Vue app of js/exsync-admin.mjs (sources in src/), mounted here. */
?>
<div id="exsync-admin"></div>
