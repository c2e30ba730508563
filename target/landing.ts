/** The landing page of the reference target (`GET /`, a funnel route). */

export const LANDING_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Registration opens today</title></head>
<body>
<h1>Registration is open</h1>
<p>floodgate reference target: a stand-in registration site for load rehearsals.</p>
<ol>
<li>Register: <code>POST /api/register</code></li>
<li>Verify your email: <code>POST /api/verify-email</code></li>
<li>Verify your NIK: <code>POST /api/verify-nik</code></li>
<li>Upload a photo: <code>POST /api/photo</code></li>
<li>Join a training batch: <code>GET /api/batches</code>, <code>POST /api/batches/:id/join</code></li>
</ol>
</body>
</html>
`;
