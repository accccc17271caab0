.class public final Lcom/example/toolbox/Inbox;
.super Ljava/lang/Object;
.source "Inbox.java"

.field private static final INBOX:Landroid/net/Uri;
.field private static final TITLE:Ljava/lang/String;

.method static constructor <clinit>()V
    .registers 2
    const-string v0, "content://sms/inbox"
    invoke-static {v0}, Landroid/net/Uri;->parse(Ljava/lang/String;)Landroid/net/Uri;
    move-result-object v1
    sput-object v1, Lcom/example/toolbox/Inbox;->INBOX:Landroid/net/Uri;
    const-string v0, "content://com.android.contacts/title"
    sput-object v0, Lcom/example/toolbox/Inbox;->TITLE:Ljava/lang/String;
    return-void
.end method

.method public static list(Landroid/content/Context;)Landroid/database/Cursor;
    .registers 8
    invoke-virtual {p0}, Landroid/content/Context;->getContentResolver()Landroid/content/ContentResolver;
    move-result-object v0
    sget-object v1, Lcom/example/toolbox/Inbox;->INBOX:Landroid/net/Uri;
    const/4 v2, 0x0
    const/4 v3, 0x0
    const/4 v4, 0x0
    const/4 v5, 0x0
    invoke-virtual/range {v0 .. v5}, Landroid/content/ContentResolver;->query(Landroid/net/Uri;[Ljava/lang/String;Ljava/lang/String;[Ljava/lang/String;Ljava/lang/String;)Landroid/database/Cursor;
    move-result-object v0
    return-object v0
.end method
