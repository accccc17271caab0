.class public final Lcom/example/flashlight/InputPrefs;
.super Ljava/lang/Object;
.source "InputPrefs.java"

# Settings.Secure.getString with a key other than android_id: not a device identifier.

.method public static currentInputMethod(Landroid/content/Context;)Ljava/lang/String;
    .registers 3
    invoke-virtual {p0}, Landroid/content/Context;->getContentResolver()Landroid/content/ContentResolver;
    move-result-object v0
    const-string v1, "default_input_method"
    invoke-static {v0, v1}, Landroid/provider/Settings$Secure;->getString(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;
    move-result-object v0
    return-object v0
.end method
