/** Entry point of the admin page (templates/admin.php mounts it on #exsync-admin). */
import '@nextcloud/password-confirmation/style.css';
import { createApp } from 'vue';
import AdminSettings from './components/AdminSettings.vue';

createApp(AdminSettings).mount('#exsync-admin');
